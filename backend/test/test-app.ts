import 'reflect-metadata';
import { randomBytes } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import type { AppConfig } from '../src/config/app-config.ts';
import { createHttpApp } from '../src/http-app.ts';
import { createThrowawayDatabase, type ThrowawayDatabase } from '../src/database/throwaway-database.ts';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  db: ThrowawayDatabase;
  config: AppConfig;
  /** Every JSON log line the app wrote. */
  logs: string[];
  close(): Promise<void>;
  /** fetch against the app, JSON in and out. */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; rawBody?: string }): Promise<{ status: number; body: any }>;
  admin(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
}

/** The real application on a real port, with its own database and Redis key prefix. */
export async function startTestApp(overrides: Partial<AppConfig> = {}): Promise<TestApp> {
  const db = await createThrowawayDatabase();
  const config: AppConfig = {
    nodeEnv: 'test',
    port: 0,
    databaseUrl: db.url,
    databaseUrlDefaulted: false,
    redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379',
    redisPrefix: `wink_test_${randomBytes(4).toString('hex')}`,
    adminToken: TEST_ADMIN_TOKEN,
    adminTokenDefaulted: false,
    cameraOnlineSeconds: 90,
    logLevel: 'error',
    ...overrides,
  };
  const logs: string[] = [];
  const app = await createHttpApp(config, {
    logDestination: {
      write: (line: string) => {
        logs.push(line);
      },
    },
  });
  await app.listen(0, '127.0.0.1');
  const port = (app.getHttpServer().address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  const call: TestApp['call'] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { connection: 'close' };
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    let body: string | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await fetch(baseUrl + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* non-JSON bodies stay text */
    }
    return { status: res.status, body: parsed };
  };
  return {
    app,
    baseUrl,
    db,
    config,
    call,
    logs,
    admin: (method, path, body) => call(method, path, { token: TEST_ADMIN_TOKEN, body }),
    async close() {
      await app.close();
      await db.drop();
    },
  };
}

export interface ProvisionedCamera {
  orgId: string;
  storeId: string;
  cameraId: string;
  apiKey: string;
  keyId: string;
}

/** Organisation → store → camera → edge key through the admin API, as an operator would. */
export async function provisionCamera(
  t: TestApp,
  opts: { orgId?: string; storeId: string; cameraId: string; timezone?: string; capabilities?: string[] },
): Promise<ProvisionedCamera> {
  let orgId = opts.orgId;
  if (!orgId) {
    const org = await t.admin('POST', '/api/admin/orgs', { name: `Org for ${opts.storeId}` });
    orgId = org.body.id as string;
  }
  const stores = await t.admin('GET', `/api/admin/stores?org_id=${orgId}`);
  if (!stores.body.stores.some((s: { store_id: string }) => s.store_id === opts.storeId)) {
    const s = await t.admin('POST', '/api/admin/stores', {
      org_id: orgId,
      store_id: opts.storeId,
      name: `Store ${opts.storeId}`,
      timezone: opts.timezone ?? 'UTC',
    });
    if (s.status !== 201) throw new Error(`store: ${JSON.stringify(s.body)}`);
  }
  const c = await t.admin('POST', '/api/admin/cameras', {
    store_id: opts.storeId,
    camera_id: opts.cameraId,
    name: opts.cameraId,
    capabilities: opts.capabilities ?? ['entrance', 'zones', 'shelves', 'queue'],
  });
  if (c.status !== 201) throw new Error(`camera: ${JSON.stringify(c.body)}`);
  const k = await t.admin('POST', '/api/admin/edge-keys', { org_id: orgId, store_id: opts.storeId, camera_id: opts.cameraId });
  if (k.status !== 201) throw new Error(`edge key: ${JSON.stringify(k.body)}`);
  return { orgId, storeId: opts.storeId, cameraId: opts.cameraId, apiKey: k.body.api_key, keyId: k.body.id };
}
