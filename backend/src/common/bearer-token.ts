import { timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { UnauthorizedException } from '@nestjs/common';

/** The keys this API issues: their prefix and 32 random bytes in base64url. Anything else is no key of ours. */
export const EDGE_KEY_FORMAT = /^wink_edge_[A-Za-z0-9_-]{43}$/;
export const VIEWER_KEY_FORMAT = /^wink_view_[A-Za-z0-9_-]{43}$/;
export const POS_KEY_FORMAT = /^wink_pos_[A-Za-z0-9_-]{43}$/;

export function bearerToken(req: { headers: IncomingHttpHeaders }): string | null {
  const h = req.headers.authorization;
  if (!h) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m ? m[1] : null;
}

export function constantTimeEquals(a: string, b: string): boolean {
  const ab = Buffer.from(a);
  const bb = Buffer.from(b);
  return ab.length === bb.length && timingSafeEqual(ab, bb);
}

/** The 401 of a missing, unknown or revoked Bearer token, naming the `authorization` field. */
export function unauthorized(why: string): UnauthorizedException {
  return new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: `authorization: ${why}`, field: 'authorization' });
}
