import { Backoff } from './backoff.ts';

it('doubles up to the maximum, with half of each wait random, and starts over after reset()', () => {
  const low = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0 });
  expect([1, 2, 3, 4, 5].map(() => low.next())).toEqual([50, 100, 200, 400, 500]);
  const high = new Backoff({ initialMs: 100, maxMs: 1000, random: () => 0.999999 });
  expect([1, 2, 3, 4, 5].map(() => high.next())).toEqual([100, 200, 400, 800, 1000]);
  expect(high.attempts).toBe(5);
  high.reset();
  expect(high.next()).toBe(100);
});
