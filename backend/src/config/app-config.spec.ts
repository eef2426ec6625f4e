import { ConfigError, DEFAULT_DATABASE_URL, loadAppConfig } from './app-config.ts';

describe('loadAppConfig', () => {
  it('has sane defaults for a first run', () => {
    const c = loadAppConfig({});
    expect(c).toMatchObject({
      port: 8000,
      databaseUrl: DEFAULT_DATABASE_URL,
      databaseUrlDefaulted: true,
      redisUrl: 'redis://127.0.0.1:6379',
      adminTokenDefaulted: true,
      cameraOnlineSeconds: 90,
      authFailuresPerMinute: 20,
    });
  });

  it('refuses to run in production without an admin token', () => {
    expect(() => loadAppConfig({ NODE_ENV: 'production' })).toThrow('ADMIN_TOKEN: is required in production');
  });

  it('lists every bad variable at once, naming each', () => {
    let message = '';
    try {
      loadAppConfig({ PORT: 'eighty', DATABASE_URL: 'mysql://x', REDIS_URL: 'nope', ADMIN_TOKEN: 'short', AUTH_FAILURES_PER_MINUTE: '0' });
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      message = (e as Error).message;
    }
    for (const v of ['PORT', 'DATABASE_URL', 'REDIS_URL', 'ADMIN_TOKEN', 'AUTH_FAILURES_PER_MINUTE']) expect(message).toContain(`  ${v}: `);
  });

  it('reads the documented variables', () => {
    const c = loadAppConfig({
      PORT: '9000',
      DATABASE_URL: 'postgres://u:p@db:5432/wink',
      REDIS_URL: 'redis://cache:6379',
      ADMIN_TOKEN: 'a-very-long-admin-token',
      NODE_ENV: 'production',
      AUTH_FAILURES_PER_MINUTE: '50',
    });
    expect(c).toMatchObject({
      authFailuresPerMinute: 50,
      port: 9000,
      databaseUrl: 'postgres://u:p@db:5432/wink',
      databaseUrlDefaulted: false,
      redisUrl: 'redis://cache:6379',
      adminToken: 'a-very-long-admin-token',
      nodeEnv: 'production',
    });
  });

  it('reads DATABASE_POOL_MAX (default 20), naming it when it is not a whole number from 2 to 1000', () => {
    expect(loadAppConfig({}).databasePoolMax).toBe(20);
    expect(loadAppConfig({ DATABASE_POOL_MAX: '8' }).databasePoolMax).toBe(8);
    for (const bad of ['1', '1001', '2.5', 'many']) {
      expect(() => loadAppConfig({ DATABASE_POOL_MAX: bad })).toThrow(/ {2}DATABASE_POOL_MAX: /);
    }
  });

  it('reads a Redis Cluster NAT map, naming REDIS_CLUSTER_NAT_MAP on a bad entry or without seeds', () => {
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: 'a:1' }).redisClusterNatMap).toBeUndefined();
    expect(
      loadAppConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000', REDIS_CLUSTER_NAT_MAP: '10.0.1.5:6379=redis-1:7000, [fd00::2]:6379=redis-2:7001' })
        .redisClusterNatMap,
    ).toEqual({ '10.0.1.5:6379': { host: 'redis-1', port: 7000 }, 'fd00::2:6379': { host: 'redis-2', port: 7001 } });
    for (const bad of ['10.0.1.5:6379', '10.0.1.5:6379=redis-1', '=redis-1:7000', 'a:1=b:2=c:3', 'a:1=b:2,x']) {
      expect(() => loadAppConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_CLUSTER_NAT_MAP: bad })).toThrow(
        / {2}REDIS_CLUSTER_NAT_MAP: ".+" is not announced-host:port=reachable-host:port/,
      );
    }
    expect(() => loadAppConfig({ REDIS_CLUSTER_NAT_MAP: 'a:1=b:2' })).toThrow(
      'REDIS_CLUSTER_NAT_MAP: maps Redis Cluster nodes, but REDIS_CLUSTER_NODES is not set',
    );
  });

  it('reads a Redis Cluster seed list, naming REDIS_CLUSTER_NODES on a bad entry', () => {
    expect(loadAppConfig({}).redisClusterNodes).toBeUndefined();
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: ' ' }).redisClusterNodes).toBeUndefined();
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: 'redis-1:7000, 10.0.0.2:7001,[::1]:7002', REDIS_URL: 'rediss://:pw@x:6379' })).toMatchObject({
      redisClusterNodes: [
        { host: 'redis-1', port: 7000 },
        { host: '10.0.0.2', port: 7001 },
        { host: '::1', port: 7002 },
      ],
      redisUrl: 'rediss://:pw@x:6379',
    });
    for (const bad of ['redis-1', 'redis-1:0', 'redis-1:70000', 'redis://a:1', 'a:1,b']) {
      expect(() => loadAppConfig({ REDIS_CLUSTER_NODES: bad })).toThrow(/ {2}REDIS_CLUSTER_NODES: ".+" is not host:port/);
    }
    expect(() => loadAppConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://x:6379/2' })).toThrow('REDIS_URL: names a database, but a Redis Cluster');
    expect(loadAppConfig({ REDIS_CLUSTER_NODES: 'a:1', REDIS_URL: 'redis://x:6379/0' }).redisClusterNodes).toHaveLength(1);
  });
});
