import { heartbeatCutoffs, RETENTION_DEFAULTS, retentionPlan, retentionSettingsSchema } from './retention-policy.ts';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number) => new Date(ms).toISOString();
const NOW = at('2026-12-05T08:00:00Z');

describe('retention policy', () => {
  it.each([
    [30, '2026-11-05T00:00:00.000Z', '2026-11-04T00:00:00.000Z'],
    [2, '2026-12-03T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
    [365, '2025-12-05T00:00:00.000Z', '2025-12-04T00:00:00.000Z'],
  ])('heartbeats kept %i days: compacted before %s, deleted before %s', (days, compact, del) => {
    const c = heartbeatCutoffs(NOW, days);
    expect([iso(c.compactUntil), iso(c.deleteBefore)]).toEqual([compact, del]);
  });

  it('without organisations the defaults decide', () => {
    const p = retentionPlan(NOW, []);
    expect([iso(p.eventsDropBefore), iso(p.heartbeatsDropBefore), p.perOrg]).toEqual(['2025-11-05T08:00:00.000Z', '2026-11-04T00:00:00.000Z', []]);
  });

  it('partitions follow the longest retention; each organisation keeps its own cutoffs', () => {
    const p = retentionPlan(NOW, [
      { orgId: 'short', settings: { raw_event_months: 1, heartbeat_days: 7 } },
      { orgId: 'long', settings: { raw_event_months: 24, heartbeat_days: 90 } },
      { orgId: 'default', settings: { ...RETENTION_DEFAULTS } },
    ]);
    expect(iso(p.eventsDropBefore)).toBe('2024-12-05T08:00:00.000Z');
    expect(iso(p.heartbeatsDropBefore)).toBe('2026-09-05T00:00:00.000Z');
    expect(p.perOrg.map((o) => [o.orgId, iso(o.eventsBefore), iso(o.heartbeats.deleteBefore)])).toEqual([
      ['short', '2026-11-05T08:00:00.000Z', '2026-11-27T00:00:00.000Z'],
      ['long', '2024-12-05T08:00:00.000Z', '2026-09-05T00:00:00.000Z'],
      ['default', '2025-11-05T08:00:00.000Z', '2026-11-04T00:00:00.000Z'],
    ]);
  });

  it.each([
    [{ raw_event_months: 13, heartbeat_days: 30 }, null],
    [{ raw_event_months: 0, heartbeat_days: 30 }, 'raw_event_months: must be at least 1'],
    [{ raw_event_months: 1.5, heartbeat_days: 30 }, 'raw_event_months: must be a whole number of months'],
    [{ raw_event_months: 13, heartbeat_days: 1 }, 'heartbeat_days: must be at least 2'],
    [{ raw_event_months: 13, heartbeat_days: '30' }, 'heartbeat_days: must be a whole number of days'],
    [{ raw_event_months: 13 }, 'heartbeat_days: must be a whole number of days'],
    [{ raw_event_months: 13, heartbeat_days: 30, rollups: 1 }, 'Unrecognized key: "rollups"'],
  ])('settings %j → %s', (body, problem) => {
    const r = retentionSettingsSchema.safeParse(body);
    if (problem === null) expect(r.success).toBe(true);
    else expect(r.error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')).toContain(problem);
  });
});
