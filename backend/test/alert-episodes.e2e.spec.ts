import 'reflect-metadata';
import { DataSource } from 'typeorm';
import type { AlertChange } from '../src/alerts/alert-events.ts';
import { AlertsService } from '../src/alerts/alerts.service.ts';
import { databaseOptions } from '../src/database/database-options.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../src/database/throwaway-database.ts';
import { WinkMetrics } from '../src/observability/wink-metrics.service.ts';

/** Two AlertsService instances on their own connection pools: two API processes or workers on one database. */
describe('alert episodes (real PostgreSQL, two processes)', () => {
  let db: ThrowawayDatabase;
  const sources: DataSource[] = [];
  const services: AlertsService[] = [];
  const metrics: WinkMetrics[] = [];
  const fired: AlertChange[] = [];
  const resolved: AlertChange[] = [];
  let orgId: string;

  beforeAll(async () => {
    db = await createThrowawayDatabase();
    for (let i = 0; i < 2; i++) {
      const ds = new DataSource(databaseOptions(db.url));
      await ds.initialize();
      sources.push(ds);
      const m = new WinkMetrics();
      metrics.push(m);
      const s = new AlertsService(ds, m);
      s.events.on('alert.fired', (c) => void fired.push(c));
      s.events.on('alert.resolved', (c) => void resolved.push(c));
      services.push(s);
    }
    orgId = (await sources[0].query(`INSERT INTO organizations (name) VALUES ('Race Retail') RETURNING id`))[0].id;
    await sources[0].query(`INSERT INTO stores (store_id, org_id, name, timezone) VALUES ('store_race_1', $1, 'Race', 'UTC')`, [orgId]);
  });
  afterAll(async () => {
    for (const ds of sources) await ds.destroy();
    await db.drop();
  });

  const key = () => ({ org_id: orgId, store_id: 'store_race_1', type: 'queue_length' as const, subject: 'checkout' });

  it('racing the same condition opens one episode and emits once; resolving likewise', async () => {
    const fires = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        services[i % 2].fire({ ...key(), summary: 'Queue checkout: 7 people waiting (threshold 5)', evidence: { length: 7, threshold: 5 } }),
      ),
    );
    expect(fires.filter((a) => a !== null)).toHaveLength(1);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      org_id: orgId,
      alert: { type: 'queue_length', state: 'firing', store_id: 'store_race_1', subject: 'checkout', evidence: { length: 7 } },
    });
    const counted = await Promise.all(metrics.map(async (m) => (await m.alerts.get()).values.reduce((n, v) => n + v.value, 0)));
    expect(counted[0] + counted[1]).toBe(1);

    const resolves = await Promise.all(Array.from({ length: 10 }, (_, i) => services[i % 2].resolve({ ...key(), evidence: { length: 2 } })));
    expect(resolves.filter((a) => a !== null)).toHaveLength(1);
    expect(resolved).toHaveLength(1);
    expect(resolved[0].alert).toMatchObject({ alert_id: fired[0].alert.alert_id, state: 'resolved', resolve_evidence: { length: 2 } });
    expect(resolved[0].alert.resolved_at).not.toBeNull();

    // The next episode of the same condition is a new alert.
    const again = await services[1].fire({ ...key(), summary: 'again', evidence: {} });
    expect(again?.alert_id).not.toBe(fired[0].alert.alert_id);
    expect(fired).toHaveLength(2);
  });

  it('organisation alerts (store_id null) are one episode per subject too', async () => {
    const signal = {
      org_id: orgId,
      type: 'webhook_endpoint_disabled' as const,
      subject: 'ep-1',
      summary: 'Webhook endpoint disabled',
      evidence: { failures: 20 },
    };
    const results = await Promise.all([services[0].raiseOrgAlert(signal), services[1].raiseOrgAlert(signal), services[0].raiseOrgAlert(signal)]);
    expect(results.filter((a) => a !== null)).toHaveLength(1);
    expect(results.find((a) => a)?.store_id).toBeNull();
    const r = await Promise.all([
      services[0].resolveOrgAlert(orgId, 'webhook_endpoint_disabled', 'ep-1', {}),
      services[1].resolveOrgAlert(orgId, 'webhook_endpoint_disabled', 'ep-1', {}),
    ]);
    expect(r.filter((a) => a !== null)).toHaveLength(1);
    const listed = await services[0].list({ org_id: orgId, store_ids: [], with_org_alerts: true, state: null, limit: 10 });
    expect(listed.map((a) => [a.type, a.state])).toEqual([['webhook_endpoint_disabled', 'resolved']]);
  });
});
