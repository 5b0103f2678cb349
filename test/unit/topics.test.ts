import { InvalidRequestError } from '../../shared/errors';
import {
  applyConfigChanges,
  DEFAULT_CONFIG_STATE,
  DEFAULT_TOPIC_CONFIGS,
  parseTopicConfigs,
  storedConfigState,
} from '../../shared/topics/configs';
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
    [{ name: 'segment.ms', value: '0' }, 'integer'],
    [{ name: 'segment.bytes', value: '13' }, 'integer'],
    [{ name: 'retention.bytes', value: '1073741824' }, 'never by size'],
    [{ name: 'min.insync.replicas', value: '4' }, 'replication factor'],
    [{ name: 'compression.type', value: 'zstd' }, 'not supported'],
    [{ name: 'message.timestamp.type', value: 'LogAppendTime' }, 'not supported'],
    [{ name: 'flush.ms', value: '1' }, 'Unknown topic config'],
  ])('refuses %j', (entry, why) => {
    expect(() => parseTopicConfigs([entry])).toThrow(why);
  });
});

describe('changing topic configs', () => {
  it('accepts the no-op configs Kafka clients send, within the values Sluice keeps anyway', () => {
    const { configs, overrides } = applyConfigChanges(DEFAULT_CONFIG_STATE, [
      { name: 'cleanup.policy', value: 'delete' },
      { name: 'min.insync.replicas', value: '2' },
      { name: 'segment.bytes', value: '536870912' },
      { name: 'retention.bytes', value: '-1' },
      { name: 'compression.type', value: 'producer' },
    ]);
    expect(configs['min.insync.replicas']).toBe(2);
    expect(configs['segment.bytes']).toBe(536_870_912);
    // In the order of the known configs, whatever the order of the request.
    expect(overrides).toEqual([
      'cleanup.policy',
      'retention.bytes',
      'min.insync.replicas',
      'segment.bytes',
      'compression.type',
    ]);
  });

  it('sets and resets, remembering which configs were set even to their default value', () => {
    const set = applyConfigChanges(DEFAULT_CONFIG_STATE, [
      { name: 'retention.ms', value: '1000' },
      { name: 'max.message.bytes', value: '1048588' },
    ]);
    expect(set.overrides).toEqual(['retention.ms', 'max.message.bytes']);
    const reset = applyConfigChanges(set, [{ name: 'retention.ms', value: null }]);
    expect(reset.configs['retention.ms']).toBe(DEFAULT_TOPIC_CONFIGS['retention.ms']);
    expect(reset.overrides).toEqual(['max.message.bytes']);
  });

  it('changes nothing when one change is invalid', () => {
    const state = applyConfigChanges(DEFAULT_CONFIG_STATE, [{ name: 'retention.ms', value: '5' }]);
    expect(() =>
      applyConfigChanges(state, [
        { name: 'retention.ms', value: '7' },
        { name: 'cleanup.policy', value: 'compact' },
      ]),
    ).toThrow(InvalidRequestError);
    expect(state.configs['retention.ms']).toBe(5);
  });

  it('reads topics stored before overrides were kept: a value off its default counts as set', () => {
    const old = storedConfigState(
      { 'retention.ms': 1000, 'max.message.bytes': 1_048_588, 'cleanup.policy': 'delete' },
      undefined,
    );
    expect(old.overrides).toEqual(['retention.ms']);
    expect(old.configs['segment.bytes']).toBe(DEFAULT_TOPIC_CONFIGS['segment.bytes']);
    expect(storedConfigState({ 'retention.ms': 1000 }, ['retention.ms', 'nonsense']).overrides).toEqual([
      'retention.ms',
    ]);
  });
});
