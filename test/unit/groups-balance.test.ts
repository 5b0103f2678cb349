import fc from 'fast-check';
import { type LeaseView, planAssignment } from '../../shared/groups/balance';

const NOW = 1_000_000;
const SKEW = 1_000;

/** Leases as the simulated table holds them: partition → owner (live unless `dead` lists it). */
type Table = Map<string, LeaseView>;

function partitions(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `t#${i}`);
}

/** One member's heartbeat against the table: release, then acquire up to `want`. Returns whether it changed anything. */
function heartbeat(table: Table, me: string, members: string[], names: string[]): boolean {
  const plan = planAssignment({
    me,
    partitions: names,
    leases: table,
    members,
    now: NOW,
    skewToleranceMs: SKEW,
  });
  for (const name of plan.release) table.set(name, { expiresAt: 0 });
  let taken = 0;
  for (const name of plan.candidates) {
    if (taken >= plan.want) break;
    table.set(name, { owner: me, expiresAt: NOW + 30_000 });
    taken++;
  }
  return plan.release.length > 0 || taken > 0;
}

function counts(table: Table, members: string[]): number[] {
  return members.map((m) => [...table.values()].filter((l) => l.owner === m).length);
}

describe('planAssignment', () => {
  it('gives a lone member every partition', () => {
    const plan = planAssignment({
      me: 'a',
      partitions: partitions(4),
      leases: new Map(),
      members: [],
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(plan.want).toBe(4);
    expect(plan.release).toEqual([]);
  });

  it('never lists a live lease of another member as a candidate', () => {
    const leases: Table = new Map([
      ['t#0', { owner: 'b', expiresAt: NOW + 10 }],
      ['t#1', { owner: 'b', expiresAt: NOW - 5_000 }],
    ]);
    const plan = planAssignment({
      me: 'a',
      partitions: partitions(3),
      leases,
      members: ['a'],
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(plan.candidates).toEqual(['t#1', 't#2']);
  });

  it('takes expired leases before never-taken ones', () => {
    const leases: Table = new Map([['t#3', { owner: 'gone', expiresAt: NOW - 5_000 }]]);
    const plan = planAssignment({
      me: 'a',
      partitions: partitions(4),
      leases,
      members: ['a'],
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(plan.candidates[0]).toBe('t#3');
  });

  it('waits out the skew tolerance before treating a lease as expired', () => {
    const leases: Table = new Map([['t#0', { owner: 'b', expiresAt: NOW - SKEW + 1 }]]);
    const plan = planAssignment({
      me: 'a',
      partitions: partitions(1),
      leases,
      members: ['a'],
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(plan.candidates).toEqual([]);
  });

  it('releases down to ceil(P/N) when a member joins', () => {
    const names = partitions(4);
    const leases: Table = new Map(names.map((n) => [n, { owner: 'a', expiresAt: NOW + 30_000 }]));
    const plan = planAssignment({
      me: 'a',
      partitions: names,
      leases,
      members: ['a', 'b'],
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(plan.release).toHaveLength(2);
  });

  it('lets one of two ceil holders give one up for a member with none (4 partitions, 3 members)', () => {
    const names = partitions(4);
    const table: Table = new Map([
      ['t#0', { owner: 'a', expiresAt: NOW + 30_000 }],
      ['t#1', { owner: 'a', expiresAt: NOW + 30_000 }],
      ['t#2', { owner: 'b', expiresAt: NOW + 30_000 }],
      ['t#3', { owner: 'b', expiresAt: NOW + 30_000 }],
    ]);
    const members = ['a', 'b', 'c'];
    const planA = planAssignment({
      me: 'a',
      partitions: names,
      leases: table,
      members,
      now: NOW,
      skewToleranceMs: SKEW,
    });
    const planB = planAssignment({
      me: 'b',
      partitions: names,
      leases: table,
      members,
      now: NOW,
      skewToleranceMs: SKEW,
    });
    expect(planA.release).toEqual([]);
    expect(planB.release).toEqual(['t#3']);
  });

  it('converges to an even, complete assignment and then stops moving leases', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 24 }),
        fc.integer({ min: 1, max: 7 }),
        fc.array(fc.integer({ min: 0, max: 100 }), { minLength: 0, maxLength: 24 }),
        fc.array(fc.nat(), { minLength: 40, maxLength: 40 }),
        (partitionCount, memberCount, initialOwners, order) => {
          const names = partitions(partitionCount);
          const members = Array.from({ length: memberCount }, (_, i) => `m${i}`);
          // Start anywhere: some partitions held by arbitrary members, some free.
          const table: Table = new Map();
          names.forEach((name, i) => {
            const pick = initialOwners[i];
            if (pick !== undefined && pick % (memberCount + 1) < memberCount) {
              table.set(name, { owner: members[pick % (memberCount + 1)], expiresAt: NOW + 30_000 });
            }
          });
          const rounds = 2 * memberCount + 4;
          for (let round = 0; round < rounds; round++) {
            const shift = order[round % order.length] % memberCount;
            for (let i = 0; i < memberCount; i++)
              heartbeat(table, members[(i + shift) % memberCount], members, names);
          }
          const floor = Math.floor(partitionCount / memberCount);
          const ceil = Math.ceil(partitionCount / memberCount);
          const held = counts(table, members);
          expect(held.reduce((a, b) => a + b, 0)).toBe(partitionCount);
          for (const n of held) {
            expect(n).toBeGreaterThanOrEqual(floor);
            expect(n).toBeLessThanOrEqual(ceil);
          }
          // Stable: another full round moves nothing.
          for (const member of members) expect(heartbeat(table, member, members, names)).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands a dead member its partitions to the survivors without moving live ones', () => {
    const names = partitions(6);
    const members = ['a', 'b', 'c'];
    const table: Table = new Map();
    for (let r = 0; r < 4; r++) for (const m of members) heartbeat(table, m, members, names);
    const before = new Map(table);
    // c dies: its leases expire and it drops out of the member list.
    for (const [name, lease] of table)
      if (lease.owner === 'c') table.set(name, { owner: 'c', expiresAt: NOW - 60_000 });
    const survivors = ['a', 'b'];
    for (let r = 0; r < 3; r++) for (const m of survivors) heartbeat(table, m, survivors, names);
    expect(counts(table, survivors)).toEqual([3, 3]);
    for (const [name, lease] of before) {
      if (lease.owner !== 'c') expect(table.get(name)?.owner).toBe(lease.owner);
    }
  });
});
