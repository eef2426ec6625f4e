import { Redis } from 'ioredis';
import { appKeyPatterns } from '../backend/src/analytics/analytics.queues.ts';

/** Deletes every key a benchmark's app wrote under its own prefix (queues included, which never expire). */
export async function dropRedisPrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl);
  try {
    for (const match of appKeyPatterns(prefix)) {
      const stream = redis.scanStream({ match, count: 1000 });
      for await (const keys of stream as AsyncIterable<string[]>) if (keys.length) await redis.unlink(...keys);
    }
  } finally {
    redis.disconnect();
  }
}
