import { InvalidRequestError } from '../../shared/errors';
import { DEFAULT_TOPIC_CONFIGS, parseTopicConfigs } from '../../shared/topics/configs';
import { collisionKey, validateTopicName } from '../../shared/topics/names';

describe('topic names', () => {
  it.each(['orders', 'a', 'A.b_c-9', 'x'.repeat(249)])('accepts "%s"', (name) => {
    expect(() => validateTopicName(name)).not.toThrow();
  });

  it.each([
    ['', 'empty'],
    ['.', 'reserved'],
    ['..', 'reserved'],
    ['x'.repeat(250), 'limit is 249'],
    ['a b', 'outside'],
    ['ordérs', 'outside'],
    ['a/b', 'outside'],
  ])('refuses "%s" saying why', (name, why) => {
    expect(() => validateTopicName(name)).toThrow(InvalidRequestError);
    expect(() => validateTopicName(name)).toThrow(why);
  });

  it('makes names that differ only by "." and "_" collide, and nothing else', () => {
    expect(collisionKey('a.b_c')).toBe(collisionKey('a_b.c'));
    expect(collisionKey('a.b')).not.toBe(collisionKey('a-b'));
  });
});

describe('topic configs', () => {
  it("fills Kafka's defaults", () => {
    expect(parseTopicConfigs([])).toEqual(DEFAULT_TOPIC_CONFIGS);
    expect(DEFAULT_TOPIC_CONFIGS['retention.ms']).toBe(604_800_000);
    expect(DEFAULT_TOPIC_CONFIGS['max.message.bytes']).toBe(1_048_588);
  });

  it('reads integers given as strings, including retention.ms = -1', () => {
    const configs = parseTopicConfigs([
      { name: 'retention.ms', value: '-1' },
      { name: 'max.message.bytes', value: '2048' },
    ]);
    expect(configs['retention.ms']).toBe(-1);
    expect(configs['max.message.bytes']).toBe(2048);
  });

  it.each([
    [{ name: 'retention.ms', value: '1.5' }, 'integer'],
    [{ name: 'retention.ms', value: '-2' }, 'integer'],
    [{ name: 'max.message.bytes', value: 'big' }, 'integer'],
    [{ name: 'cleanup.policy', value: 'compact' }, 'not supported'],
    [{ name: 'segment.ms', value: '1' }, 'Unknown topic config'],
  ])('refuses %j', (entry, why) => {
    expect(() => parseTopicConfigs([entry])).toThrow(why);
  });
});
