import { configFromEnv } from '../../shared/config';
import { createAwsClients } from '../../shared/storage/aws';
import { createDynamoTopicStore, type TopicStore } from '../../shared/storage/topic-store';
import { createTopicRegistry } from '../../shared/topics/registry';
import { destroyClients } from '../support/local-aws';
import { uniqueName } from './support/core';

/**
 * The topic registry's cached listing against the emulators: what a pattern subscription is
 * matched with on every read. Two registries over one table stand for two warm functions.
 */

const config = configFromEnv();
const clients = createAwsClients(config);
afterAll(() => destroyClients(clients));

const TTL_MS = 30_000;

/** A registry on its own clock, counting the listings it reads from the table. */
function warmFunction() {
  const store = createDynamoTopicStore({ dynamodb: clients.dynamodb, table: config.metaTable });
  let clock = Date.now();
  const counted = {
    listings: 0,
    store: {
      ...store,
      list: () => {
        counted.listings++;
        return store.list();
      },
    } satisfies TopicStore,
  };
  const topics = createTopicRegistry({ store: counted.store, cacheTtlMs: TTL_MS, now: () => clock });
  return {
    topics,
    listings: () => counted.listings,
    advance: (ms: number) => {
      clock += ms;
    },
  };
}

const names = (topics: readonly { name: string }[]) => topics.map((t) => t.name);

describe('a cached topic listing', () => {
  it('is answered without reading while fresh; another process’s new topic shows once it expires', async () => {
    const reader = warmFunction();
    const writer = warmFunction();
    const first = uniqueName('cached-a');
    const second = uniqueName('cached-b');
    await writer.topics.create({ name: first });

    expect(names(await reader.topics.list({ cached: true }))).toContain(first);
    expect(reader.listings()).toBe(1);
    await writer.topics.create({ name: second });
    // Fresh: no read, and the other process's topic is not seen yet (Kafka's metadata age).
    expect(names(await reader.topics.list({ cached: true }))).not.toContain(second);
    expect(reader.listings()).toBe(1);
    // A plain listing always reads, and refreshes the cached one.
    expect(names(await reader.topics.list())).toContain(second);
    expect(reader.listings()).toBe(2);
    await writer.topics.delete(second);
    expect(names(await reader.topics.list({ cached: true }))).toContain(second);
    expect(reader.listings()).toBe(2);

    reader.advance(TTL_MS);
    const expired = names(await reader.topics.list({ cached: true }));
    expect(expired).toContain(first);
    expect(expired).not.toContain(second);
    expect(reader.listings()).toBe(3);
    await writer.topics.delete(first);
  });

  it('shows this process’s own creates and deletes at once', async () => {
    const own = warmFunction();
    const name = uniqueName('cached-own');
    await own.topics.list({ cached: true });
    await own.topics.create({ name });
    expect(names(await own.topics.list({ cached: true }))).toContain(name);
    await own.topics.addPartitions(name, 2);
    expect((await own.topics.list({ cached: true })).find((t) => t.name === name)?.partitionCount).toBe(2);
    await own.topics.delete(name);
    expect(names(await own.topics.list({ cached: true }))).not.toContain(name);
    expect(own.listings()).toBe(4);
  });
});
