import { Backoff, backoffDelayMs } from './backoff.ts';

it('doubles up to the maximum, with half of each wait random, and starts over after reset()', () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
  expect(high.attempts).toBe(5);
  high.reset();
  expect(high.next()).toBe(100);
});

// backoffDelayMs is the one formula behind Backoff (outbox, supervisor; rounded) and the frame source's
// reconnectDelayMs (unrounded), which had each written it out.
describe('backoffDelayMs', () => {
  it.each([
    // attempt, initial, max, random → delay
    [0, 100, 1000, 0, 50],
    [0, 100, 1000, 1, 100],
    [1, 100, 1000, 0.5, 150],
    [3, 100, 1000, 1, 800],
    [4, 100, 1000, 1, 1000],
    [50, 100, 1000, 0.5, 750],
    [0, 500, 10_000, 0.25, 312.5],
    [5, 500, 10_000, 0, 5000],
    [1000, 500, 10_000, 0.999, 9995],
  ])('attempt %i, %i…%i ms, random %d → %d ms', (attempt, initial, max, r, expected) => {
    expect(backoffDelayMs(attempt, initial, max, () => r)).toBeCloseTo(expected, 9);
  });

  it('Backoff and reconnectDelayMs give the same waits (Backoff rounded)', async () => {
    const { reconnectDelayMs } = await import('../vision/frame-source.ts');
    const randoms = [0, 0.3, 0.5, 0.77, 0.999];
    for (const r of randoms) {
      const backoff = new Backoff({ initialMs: 500, maxMs: 10_000, random: () => r });
      for (let attempt = 0; attempt < 8; attempt++) expect(backoff.next()).toBe(Math.round(reconnectDelayMs(attempt, {}, () => r)));
    }
  });
});
