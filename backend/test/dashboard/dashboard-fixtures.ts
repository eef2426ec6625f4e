import type { INestApplication } from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AddressInfo } from 'node:net';
import { appKeyPatterns } from '../../src/analytics/analytics.queues.ts';
import type { AppConfig } from '../../src/config/app-config.ts';
import { localDate, startOfLocalDay } from '../../src/common/store-clock.ts';
import { createHttpApp } from '../../src/http-app.ts';
import { REDIS } from '../../src/redis/redis.module.ts';
import type { ProvisionedCamera, TestApp } from '../test-app.ts';

type Ev = Record<string, unknown>;

export async function postEvents(t: TestApp, cam: ProvisionedCamera, events: Ev[]) {
  const r = await t.call('POST', '/api/ingest/events', {
    token: cam.apiKey,
    body: { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), events },
  });
  if (r.status !== 200) throw new Error(`ingest ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body as { received: number; accepted: number; duplicates: number };
}

export async function heartbeat(t: TestApp, cam: ProvisionedCamera, statusData: Record<string, unknown> = { fps: 5 }, baseUrl?: string) {
  const body = { org_id: cam.orgId, store_id: cam.storeId, camera_id: cam.cameraId, device_ts: new Date().toISOString(), status_data: statusData };
  const res = await fetch(`${baseUrl ?? t.baseUrl}/api/ingest/heartbeat`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cam.apiKey}`, 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`heartbeat ${res.status}`);
}

/** "Flushes Redis" for this app: deletes every key under its prefix (a real FLUSHDB would hit other runs sharing the server). */
export async function flushRedis(t: TestApp): Promise<number> {
  const redis = t.app.get<Redis>(REDIS);
  let deleted = 0;
  for (const match of appKeyPatterns(t.config.redisPrefix)) {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', match, 'COUNT', 1000);
      cursor = next;
      if (keys.length) deleted += await redis.del(...keys);
    } while (cursor !== '0');
  }
  return deleted;
}

/**
 * A zone and a base instant for "today" events: a zone where local midnight was at least 15 minutes ago
 * and the next one is at least 30 minutes away, so events at base..base+7 min are today, in the past
 * (or within the ingest's 5-minute skew), and the day does not roll over during the test.
 */
export function todayWindow(): { tz: string; base: number; date: string } {
  const now = Date.now();
  for (const tz of ['UTC', 'Asia/Tokyo', 'America/New_York']) {
    const date = localDate(now, tz);
    const start = startOfLocalDay(date, tz);
    const end = startOfLocalDay(localDate(start + 26 * 3_600_000, tz), tz);
    if (now - start >= 15 * 60_000 && end - now >= 30 * 60_000) return { tz, base: start + 60_000, date };
  }
  throw new Error('no suitable time zone (cannot happen: the candidates are 5+ hours apart)');
}

export const iso = (ms: number) => new Date(ms).toISOString();

/** A second app instance on the same database and Redis prefix: another process, as far as locks are concerned. */
export async function startSibling(config: AppConfig): Promise<{ app: INestApplication; baseUrl: string }> {
  const app = await createHttpApp(config, { logDestination: { write: () => undefined } });
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: `http://127.0.0.1:${(app.getHttpServer().address() as AddressInfo).port}` };
}

/**
 * Until `instances` app instances have confirmed their subscription to key changes (revocations and creations):
 * before that, an instance remembers no key at all.
 */
export async function keyChangesSubscribed(config: AppConfig, instances = 2): Promise<void> {
  const redis = new Redis(config.redisUrl);
  try {
    // A condition wait with a deadline, not a count of polls: a loaded machine subscribes late, not never.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const [, n] = (await redis.pubsub('NUMSUB', `${config.redisPrefix}:key-revocations`)) as [string, number];
      if (n >= instances) return;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`fewer than ${instances} app instances subscribed to key changes`);
  } finally {
    redis.disconnect();
  }
}

/**
 * The live view minus the fields that legitimately differ between two reads, and the heartbeat readings the
 * controller adds to /live (queue_lengths, sales: not counters, so not part of what Redis and PostgreSQL must agree on).
 */
export function comparable<V extends { timestamp: string; queue_lengths?: unknown; sales?: unknown }>(
  view: V,
): Omit<V, 'timestamp' | 'queue_lengths' | 'sales'> {
  const { timestamp: _t, queue_lengths: _q, sales: _s, ...rest } = view;
  return rest;
}
