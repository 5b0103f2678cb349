import { createWarmProducerStates } from '../../shared/log/warm-producers';
import { type ProducerState, producerStateExpiry } from '../../shared/storage/log-index';

const NOW = Date.UTC(2026, 0, 1);

function state(nextSequence: number): ProducerState {
  return {
    lastSequence: nextSequence - 1,
    lastBaseOffset: 10,
    lastCount: 1,
    nextSequence,
    lastDigest: 'd',
    reservedAt: NOW,
  };
}

describe('the producer states a warm writer remembers', () => {
  it('hands an entry out once: taking removes it, so a request that fails never finds it again', () => {
    const warm = createWarmProducerStates();
    const entry = { state: state(1), expiresAt: producerStateExpiry(NOW) };
    warm.remember('p', 't', 0, entry);
    expect(warm.take('p', 't', 1, NOW)).toBeUndefined();
    expect(warm.take('q', 't', 0, NOW)).toBeUndefined();
    expect(warm.take('p', 't', 0, NOW)).toEqual(entry);
    expect(warm.take('p', 't', 0, NOW)).toBeUndefined();
  });

  it('keys by producer, topic and partition without ambiguity', () => {
    const warm = createWarmProducerStates();
    warm.remember('p#t', '1', 0, { state: state(1), expiresAt: producerStateExpiry(NOW) });
    expect(warm.take('p', 't#1', 0, NOW)).toBeUndefined();
    expect(warm.take('p#t', '1', 0, NOW)?.state.nextSequence).toBe(1);
  });

  it('never hands out a state at or past its expiry, by the rule a read applies (whole seconds)', () => {
    const warm = createWarmProducerStates();
    const expiresAt = producerStateExpiry(NOW);
    const lastLiveMs = expiresAt * 1000 - 1;
    warm.remember('p', 't', 0, { state: state(1), expiresAt });
    expect(warm.take('p', 't', 0, lastLiveMs)).toBeDefined();
    warm.remember('p', 't', 0, { state: state(1), expiresAt });
    expect(warm.take('p', 't', 0, expiresAt * 1000)).toBeUndefined();
    // ...and forgets it.
    expect(warm.take('p', 't', 0, lastLiveMs)).toBeUndefined();
  });

  it('keeps at most its cap, dropping the least recently remembered first', () => {
    const warm = createWarmProducerStates(3);
    const expiresAt = producerStateExpiry(NOW);
    for (const id of ['a', 'b', 'c']) warm.remember(id, 't', 0, { state: state(1), expiresAt });
    warm.remember('a', 't', 0, { state: state(2), expiresAt }); // a is now the newest
    warm.remember('d', 't', 0, { state: state(1), expiresAt });
    expect(warm.take('b', 't', 0, NOW)).toBeUndefined();
    expect(['a', 'c', 'd'].map((id) => warm.take(id, 't', 0, NOW)?.state.nextSequence)).toEqual([2, 1, 1]);
  });
});
