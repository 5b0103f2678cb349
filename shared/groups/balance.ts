/**
 * The balance rule, as a pure function: given what one member sees of its group, which
 * leases it should give back and which free ones it should try to take. Every member runs
 * it on each heartbeat; no coordinator exists. See `docs/consumer-groups.md`.
 *
 * With P partitions shared by N live members, every member aims for floor(P/N) or
 * ceil(P/N), and only P mod N members may hold ceil(P/N). The rule avoids churn: a
 * member never takes a live lease from another, and gives one back only when it holds
 * more than ceil(P/N), or when it holds ceil(P/N) while another member is below
 * floor(P/N) with nothing free to take and it is not one of the P mod N members (by id)
 * allowed to keep the extra one.
 */

/** What the planner needs to know of one lease. */
export interface LeaseView {
  readonly owner?: string;
  readonly expiresAt: number;
}

export interface PlanInput {
  /** The member planning. */
  readonly me: string;
  /** Partitions of the member's topics, each named `{topic}#{partition}`. */
  readonly partitions: readonly string[];
  /** Lease items by partition name; a missing one was never taken. */
  readonly leases: ReadonlyMap<string, LeaseView>;
  /** Ids of the live members sharing these partitions (`me` is added if missing). */
  readonly members: readonly string[];
  readonly now: number;
  /** A lease counts as expired only this long after its expiry (clock skew between members). */
  readonly skewToleranceMs: number;
}

export interface Plan {
  /** Partitions the member holds now. */
  readonly mine: readonly string[];
  /** Partitions to give back (a subset of `mine`). */
  readonly release: readonly string[];
  /** Free partitions worth trying, best first: expired leases before never-taken or released ones. */
  readonly candidates: readonly string[];
  /** How many of `candidates` to acquire; try the next one after a lost race. */
  readonly want: number;
  readonly floor: number;
  readonly ceil: number;
}

/**
 * Plans one member's next step.
 *
 * @example
 * const plan = planAssignment({ me: 'a', partitions: ['t#0', 't#1'], leases: new Map(), members: ['a', 'b'], now: Date.now(), skewToleranceMs: 1000 });
 * // plan.want === 1, plan.candidates has both partitions
 */
export function planAssignment(input: PlanInput): Plan {
  const { me, partitions, leases, now, skewToleranceMs } = input;
  const members = [...new Set([...input.members, me])].sort();
  const total = partitions.length;
  const floor = Math.floor(total / members.length);
  const ceil = Math.ceil(total / members.length);
  const extra = total - floor * members.length;

  const mine: string[] = [];
  const expired: string[] = [];
  const free: string[] = [];
  const counts = new Map<string, number>(members.map((m) => [m, 0]));
  for (const name of [...partitions].sort()) {
    const lease = leases.get(name);
    if (lease?.owner === me) {
      mine.push(name);
    } else if (lease?.owner !== undefined && lease.expiresAt + skewToleranceMs > now) {
      if (counts.has(lease.owner)) counts.set(lease.owner, (counts.get(lease.owner) ?? 0) + 1);
    } else if (lease?.owner !== undefined) {
      expired.push(name);
    } else {
      free.push(name);
    }
  }
  counts.set(me, mine.length);
  // Start at a member-specific place, so members joining together try different partitions.
  const candidates = [...expired, ...rotate(free, hash(me) % Math.max(1, free.length))];

  let release: string[] = [];
  if (mine.length > ceil) {
    release = mine.slice(ceil);
  } else if (mine.length === ceil && ceil > floor && candidates.length === 0) {
    const starving = members.some((m) => m !== me && (counts.get(m) ?? 0) < floor);
    const atCeil = members.filter((m) => (counts.get(m) ?? 0) >= ceil);
    if (starving && atCeil.indexOf(me) >= extra) release = mine.slice(-1);
  }

  const othersAtCeil = members.filter((m) => m !== me && (counts.get(m) ?? 0) >= ceil).length;
  const target = ceil > floor && othersAtCeil >= extra ? floor : ceil;
  const want = release.length > 0 ? 0 : Math.max(0, Math.min(target - mine.length, candidates.length));
  return { mine, release, candidates, want, floor, ceil };
}

function rotate<T>(items: readonly T[], by: number): T[] {
  return [...items.slice(by), ...items.slice(0, by)];
}

/** FNV-1a: a cheap, stable spread of member ids. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
