import { MAX_RETRY_DELAY_MS, retryAttempts, retryDelayMs, retrySchedule } from './webhook-retry.ts';

describe('webhook retry schedule', () => {
  it.each([
    [0, 10_000, 0],
    [1, 10_000, 10_000],
    [2, 10_000, 20_000],
    [5, 10_000, 160_000],
    [9, 10_000, 2_560_000],
    [10, 10_000, MAX_RETRY_DELAY_MS],
    [50, 10_000, MAX_RETRY_DELAY_MS],
    [3, 50, 200],
  ])('after %i failed attempts with base %i ms waits %i ms', (failed, base, wait) => {
    expect(retryDelayMs(failed, base)).toBe(wait);
  });

  it('the defaults (10 s, 24 h): 9 doubling waits, then hourly, 32 attempts within the day', () => {
    const waits = retrySchedule(10_000, 86_400);
    expect(waits.slice(0, 9)).toEqual([10, 20, 40, 80, 160, 320, 640, 1280, 2560].map((s) => s * 1000));
    expect(waits.slice(9).every((w) => w === MAX_RETRY_DELAY_MS)).toBe(true);
    expect(waits.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(86_400_000);
    expect(waits.reduce((a, b) => a + b, 0) + MAX_RETRY_DELAY_MS).toBeGreaterThan(86_400_000);
    expect(retryAttempts(10_000, 86_400)).toBe(32);
  });

  it.each([
    [100, 0, 1],
    [100, 0.1, 2],
    [100, 0.3, 3],
    [100, 0.7, 4],
    [50, 2, 6],
  ])('base %i ms within %f s allows %i attempts', (base, max, attempts) => {
    expect(retryAttempts(base, max)).toBe(attempts);
  });

  it('refuses a base of zero (the schedule would never end)', () => {
    expect(() => retrySchedule(0, 10)).toThrow(RangeError);
  });
});
