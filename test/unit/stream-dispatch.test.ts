import { NotFoundError } from '../../shared/errors';
import {
  createStreamDispatcher,
  type StreamGroup,
  streamTriggerEvent,
  streamTriggerPartitions,
} from '../../shared/poller/stream-dispatch';
import type { LogStreamRecord, TouchedPartition } from '../../shared/poller/stream-trigger';
import { SEQUENCER_SORT_KEY } from '../../shared/storage/schema';
import type { Topic } from '../../shared/topics/registry';

/** A topic registry holding these topics (name → id, partition count). */
function registry(topics: Record<string, { id: string; partitions: number }>) {
  const lookups: string[] = [];
  return {
    lookups,
    async get(name: string): Promise<Topic> {
      lookups.push(name);
      const t = topics[name];
      if (!t) throw new NotFoundError(`no topic ${name}`);
      return {
        name,
        id: t.id,
        partitionCount: t.partitions,
        configs: {} as Topic['configs'],
        configOverrides: [],
        createdAt: 0,
      };
    },
  };
}

const slot = (pk: string, sk = 10): LogStreamRecord => ({
  eventName: 'INSERT',
  dynamodb: { Keys: { pk: { S: pk }, sk: { N: String(sk) } } },
});

const TOPICS = {
  orders: { id: 'o1', partitions: 3 },
  refunds: { id: 'r1', partitions: 2 },
  audit: { id: 'a1', partitions: 1 },
};

const GROUPS: StreamGroup[] = [
  { group: 'billing', topics: ['orders'] },
  { group: 'ledger', topics: ['orders', 'refunds'] },
  { group: 'search', topics: ['audit'] },
];

function dispatcherWith(groups = GROUPS, fail?: (group: string) => Error | undefined) {
  const calls: [string, readonly TouchedPartition[]][] = [];
  const topics = registry(TOPICS);
  const dispatcher = createStreamDispatcher({
    topics,
    groups,
    triggerGroup: async (group, partitions) => {
      calls.push([group.group, partitions]);
      const error = fail?.(group.group);
      if (error) throw error;
    },
  });
  return { dispatcher, calls, topics };
}

describe('the stream dispatcher', () => {
  it('hands each group the touched partitions of its own topics, once each, and nothing to a group with none', async () => {
    const { dispatcher, calls } = dispatcherWith();
    const summary = await dispatcher.dispatch([
      slot('o1#2'),
      slot('r1#0'),
      slot('o1#2', 11),
      slot('o1#0'),
      slot('zz#0'), // a topic no group consumes (or a deleted one): nobody
    ]);
    expect(calls).toEqual([
      [
        'billing',
        [
          { topicId: 'o1', partition: 2 },
          { topicId: 'o1', partition: 0 },
        ],
      ],
      [
        'ledger',
        [
          { topicId: 'o1', partition: 2 },
          { topicId: 'r1', partition: 0 },
          { topicId: 'o1', partition: 0 },
        ],
      ],
    ]);
    expect(summary.triggered.map((t) => t.group)).toEqual(['billing', 'ledger']);
  });

  it('ignores sequencer updates, removals, modifications, partitions past the count and missing topics', async () => {
    const { dispatcher, calls } = dispatcherWith([...GROUPS, { group: 'ghost', topics: ['deleted'] }]);
    const summary = await dispatcher.dispatch([
      slot('o1#1', SEQUENCER_SORT_KEY),
      { ...slot('o1#1'), eventName: 'REMOVE' },
      { ...slot('o1#1'), eventName: 'MODIFY' },
      slot('a1#1'), // audit has one partition
    ]);
    expect(calls).toEqual([]);
    expect(summary).toEqual({ triggered: [] });
  });

  it('looks up no topic for a batch with no new slot', async () => {
    const { dispatcher, topics } = dispatcherWith();
    await dispatcher.dispatch([{ ...slot('o1#1'), eventName: 'REMOVE' }]);
    expect(topics.lookups).toEqual([]);
  });

  it('tries every group, then fails the batch with the first failure, so it is retried', async () => {
    const { dispatcher, calls } = dispatcherWith(GROUPS, (group) =>
      group === 'billing' ? new Error('throttled') : undefined,
    );
    await expect(dispatcher.dispatch([slot('o1#0'), slot('a1#0')])).rejects.toThrow('throttled');
    expect(calls.map(([group]) => group)).toEqual(['billing', 'ledger', 'search']);
  });

  it('fails the batch when a topic lookup fails other than not found', async () => {
    const dispatcher = createStreamDispatcher({
      topics: {
        get: async () => {
          throw new Error('unavailable');
        },
      },
      groups: GROUPS,
      triggerGroup: async () => {},
    });
    await expect(dispatcher.dispatch([slot('o1#0')])).rejects.toThrow('unavailable');
  });
});

describe('the stream trigger event', () => {
  it('round-trips the partitions for its own group only', () => {
    const partitions = [{ topicId: 'o1', partition: 2 }];
    const event = JSON.parse(JSON.stringify(streamTriggerEvent('billing', partitions)));
    expect(streamTriggerPartitions(event, 'billing')).toEqual(partitions);
    expect(streamTriggerPartitions(event, 'ledger')).toBeUndefined();
  });

  it.each([
    ['a schedule event', { source: 'aws.events' }],
    ['a wake-up', { source: 'sluice.wake', group: 'billing', token: 't' }],
    ['no partitions', { source: 'sluice.stream', group: 'billing' }],
    [
      'a negative partition',
      { source: 'sluice.stream', group: 'billing', partitions: [{ topicId: 'o1', partition: -1 }] },
    ],
    [
      'a topic id that is not text',
      { source: 'sluice.stream', group: 'billing', partitions: [{ topicId: 1, partition: 0 }] },
    ],
    ['null', null],
  ])('is not %s', (_what, event) => {
    expect(streamTriggerPartitions(event, 'billing')).toBeUndefined();
  });
});
