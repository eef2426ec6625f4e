// The edge's outbox in a child process, SIGKILLed mid-stream with the real backend (NestJS, PostgreSQL,
// Redis) answering, hung or unreachable, then restarted on the same buffers: every event the child
// reported as emitted is a row in PostgreSQL exactly once, in the order it was emitted, per camera.
import { DataSource } from 'typeorm';
import { provisionCamera, startTestApp, type ProvisionedCamera, type TestApp } from '../../backend/test/test-app.ts';
import { outboxKillScenario, type KillTarget } from './outbox-kill.scenario.ts';

describe('edge outbox under SIGKILL, against the real backend', () => {
  let t: TestApp;
  let cameras: ProvisionedCamera[];

  beforeAll(async () => {
    t = await startTestApp();
    const first = await provisionCamera(t, { storeId: 'store_kill_001', cameraId: 'cam_1', capabilities: ['entrance'] });
    cameras = [first, await provisionCamera(t, { orgId: first.orgId, storeId: 'store_kill_001', cameraId: 'cam_2', capabilities: ['entrance'] })];
  });
  afterAll(async () => {
    await t.close();
  });

  const target = (): KillTarget => ({
    apiBase: t.baseUrl,
    orgId: cameras[0].orgId,
    storeId: cameras[0].storeId,
    cameras: cameras.map((c) => ({ cameraId: c.cameraId, apiKey: c.apiKey })),
    storedKeys: async (cameraId) => {
      const rows = (await t.app
        .get(DataSource)
        .query(`SELECT person_key FROM entrance_events WHERE store_id = $1 AND camera_id = $2 ORDER BY id`, [cameras[0].storeId, cameraId])) as {
        person_key: string;
      }[];
      return rows.map((r) => r.person_key);
    },
  });

  it.each(['up', 'hung', 'down'] as const)(
    'with the backend %s: nothing lost, nothing doubled, order kept',
    async (backend) => {
      await t.app.get(DataSource).query(`DELETE FROM entrance_events WHERE store_id = $1`, [cameras[0].storeId]);
      const result = await outboxKillScenario(target(), { backend, eventsPerSecond: 20, eventsBeforeKill: 60, eventsAfterRestart: 20 });
      console.log(JSON.stringify(result));
      for (const camera of result.cameras) {
        expect(camera).toMatchObject({ lost: 0, doubled: 0, outOfOrder: 0 });
        expect(camera.stored).toBe(camera.emitted);
        expect(camera.emitted).toBeGreaterThanOrEqual(60 + 20);
      }
    },
    240_000,
  );
});
