import { dayBounds, liveKeysExpireAt } from '../../src/dashboard/store-day.ts';

// Local dates, offsets and day starts (Kolkata, Kathmandu, Los Angeles, Auckland, Santiago …) are checked
// in backend/src/common/store-clock.spec.ts; these are the dashboard's own uses of them.
describe('store-local day boundaries', () => {
  it('makes DST days 23 and 25 hours long in Los Angeles', () => {
    const spring = dayBounds('2024-03-10', 'America/Los_Angeles');
    expect((spring.end.getTime() - spring.start.getTime()) / 3_600_000).toBe(23);
    const autumn = dayBounds('2024-11-03', 'America/Los_Angeles');
    expect((autumn.end.getTime() - autumn.start.getTime()) / 3_600_000).toBe(25);
    expect(autumn.start.toISOString()).toBe('2024-11-03T07:00:00.000Z');
  });

  it('keeps live keys for at least a day after the local day ends in the latest zone (UTC-12)', () => {
    const expireAt = liveKeysExpireAt('2024-01-15') * 1000;
    const lastInstant = dayBounds('2024-01-15', 'Etc/GMT+12').end.getTime();
    expect(expireAt - lastInstant).toBeGreaterThanOrEqual(86_400_000);
    expect(expireAt - Date.parse('2024-01-15T00:00:00Z')).toBeLessThanOrEqual(3 * 86_400_000);
  });
});
