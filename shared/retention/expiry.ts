import type { DataSlot, Slot, VoidSlot } from '../storage/log-index';

/**
 * The time retention measures a slot's age from: the largest record timestamp of its
 * section (Kafka's rule for a segment), but never later than the moment it was appended.
 * Record timestamps are chosen by clients; without the cap, one record stamped in the future
 * would hold back deletion of its item, and of every item after it, until that future came.
 * A timestamp in the past is taken as given, as Kafka does with CreateTime: the item becomes
 * eligible early, but still waits behind any unexpired item before it.
 *
 * @example
 * retentionTimestamp({ ...entry, maxTimestamp: 5_000, appendedAt: 9_000 }); // 5000
 * retentionTimestamp({ ...entry, maxTimestamp: 99_000, appendedAt: 9_000 }); // 9000 (future stamp capped)
 */
export function retentionTimestamp(entry: Pick<DataSlot, 'maxTimestamp' | 'appendedAt'>): number {
  return Math.min(entry.maxTimestamp, entry.appendedAt);
}

/**
 * Whether every record of the item is older than `retentionMs` at `now` (Kafka: a segment
 * is deletable when `now - largestTimestamp > retention.ms`). A negative `retentionMs` (-1)
 * keeps records forever.
 *
 * @example
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_501); // true
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, 500, 1_500); // false
 * isExpired({ maxTimestamp: 1_000, appendedAt: 1_000 }, -1, Number.MAX_SAFE_INTEGER); // false
 */
export function isExpired(
  entry: Pick<DataSlot, 'maxTimestamp' | 'appendedAt'>,
  retentionMs: number,
  now: number,
): boolean {
  if (retentionMs < 0) return false;
  return now - retentionTimestamp(entry) > retentionMs;
}

/**
 * How long after retention may remove a slot its TTL lets DynamoDB delete it: 1 hour.
 *
 * TTL deletes are free where the sweeper's deletes are billed, but DynamoDB must never delete
 * a slot the sweeper would still keep. The sweeper removes a slot once it and every slot
 * before it have expired. Ages come from times that grow with the offset up to a bound: a
 * slot's range is reserved after every range below it, its put is sent within
 * `commitDeadlineMs` (10 s) of its reservation, and writers' clocks differ by seconds. So when
 * a slot's TTL passes, every slot before it is older than `retention.ms` by at least this
 * margin minus about 20 s and the clock difference: expired. The rest of the margin is room
 * for the sweeper itself (5 minutes between sweeps by default, 12 of them in an hour), so that
 * normally the sweeper moves the log start past a slot long before DynamoDB deletes it, and
 * readers never meet a slot deleted above the log start (if they do, after a sweeper outage
 * longer than this, they skip it like a void: its records were past retention anyway).
 * Expired items stay up to this much longer in the table (invisible below the log start):
 * at 1 record a second, an hour of 1.3 KB items is under 5 MB.
 */
export const RETENTION_TTL_MARGIN_MS = 60 * 60 * 1000;

/**
 * How long after a `retention.ms` change a writer may still write slots with a TTL from the
 * old value: a warm writer trusts its cached topic for 30 s and sends its slot put within 10 s
 * of reserving; 5 minutes leaves room for clock differences. Until then the sweeper keeps
 * checking the topic's TTLs after a raise (`shared/retention/ttl.ts`).
 */
export const RETENTION_CHANGE_SETTLE_MS = 5 * 60 * 1000;

/**
 * The time a void ages from: when its range was reserved (`reservedAt`, bounded by the
 * reservations around it), else when it was written. A void holds no records, so ageing it
 * with the ranges around it only lets the log start pass it sooner; ageing it from the moment
 * a reader voided it (possibly long after) would hold back every slot after it.
 *
 * @example
 * voidAgedFrom({ ...hole, reservedAt: 1_000, voidedAt: 40_000 }); // 1000
 */
export function voidAgedFrom(slot: Pick<VoidSlot, 'reservedAt' | 'voidedAt'>): number {
  return Math.min(slot.reservedAt ?? slot.voidedAt, slot.voidedAt);
}

/**
 * The TTL (seconds since the epoch, rounded up) a slot written at `writtenAt` carries under
 * `retentionMs`: {@link RETENTION_TTL_MARGIN_MS} after retention may remove it. `undefined`
 * when the topic keeps records forever (`retentionMs` < 0): only the sweeper removes such a
 * slot, once the retention is lowered.
 *
 * @example
 * slotExpiry(1_700_000_000_000, 86_400_000); // 1_700_090_000 (1 day + 1 hour later)
 * slotExpiry(1_700_000_000_000, -1); // undefined
 */
export function slotExpiry(writtenAt: number, retentionMs: number): number | undefined {
  if (retentionMs < 0) return undefined;
  return Math.ceil((writtenAt + retentionMs + RETENTION_TTL_MARGIN_MS) / 1000);
}

/**
 * {@link slotExpiry} as the slot field it goes in: `{ expiresAt }`, or nothing when the topic
 * keeps records forever. Writers spread it into every inline data slot and void they put.
 *
 * @example
 * const slot: VoidSlot = { ...range, kind: 'void', voidedAt, ...expiryField(voidAgedFrom(range), topic.configs['retention.ms']) };
 */
export function expiryField(writtenAt: number, retentionMs: number): { readonly expiresAt?: number } {
  const expiresAt = slotExpiry(writtenAt, retentionMs);
  return expiresAt === undefined ? {} : { expiresAt };
}

/**
 * Whether DynamoDB's TTL, not the sweeper, deletes this slot: an inline data slot or a void
 * that carries a TTL. A slot whose section is in S3 never does (the sweeper deletes it, then
 * its object); a slot without a TTL (written before slots had one, or while the topic kept
 * records forever) is deleted by the sweeper as before.
 */
export function expiresByTtl(slot: Slot): boolean {
  return slot.expiresAt !== undefined && (slot.kind === 'void' || slot.inline !== undefined);
}

/**
 * The TTL a slot needs under `retentionMs`: from its append time (a data slot) or
 * {@link voidAgedFrom} (a void).
 *
 * @example
 * neededExpiry(slot, topic.configs['retention.ms']);
 */
export function neededExpiry(slot: Slot, retentionMs: number): number | undefined {
  return slotExpiry(slot.kind === 'data' ? slot.appendedAt : voidAgedFrom(slot), retentionMs);
}
