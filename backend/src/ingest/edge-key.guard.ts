import { type CanActivate, createParamDecorator, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { AuthFailureThrottle } from '../admin/auth-failure-throttle.service.ts';
import { EdgeKeyService, type EdgeKeyScope } from '../admin/edge-key.service.ts';
import { bearerToken, unauthorized } from '../common/bearer-token.ts';

type EdgeRequest = Request & { edgeKey?: EdgeKeyScope };

/**
 * Admits requests that carry a live per-camera edge key; the key's scope rides on the request. A good key is
 * never throttled; failures count towards the address's limit (AuthFailureThrottle). A key of a disabled camera,
 * store or organisation is a 403 naming which.
 */
@Injectable()
export class EdgeKeyGuard implements CanActivate {
  constructor(
    private readonly edgeKeys: EdgeKeyService,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<EdgeRequest>();
    const token = bearerToken(req);
    if (!token) return this.throttle.refuse(ctx, unauthorized('missing Bearer edge key'));
    const scope = await this.edgeKeys.verify(token);
    if (!scope) return this.throttle.refuse(ctx, unauthorized('unknown or revoked edge key'));
    // A disabled camera, store or organisation: the key is good, the data is not wanted now. The edge keeps the
    // events in its buffer on a 403 and sends them once enabled again (ingest-api.ts).
    if (scope.refusal) throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', field: 'authorization', message: scope.refusal });
    req.edgeKey = scope;
    return true;
  }
}

export const EdgeScope = createParamDecorator((_: unknown, ctx: ExecutionContext): EdgeKeyScope => {
  const scope = ctx.switchToHttp().getRequest<EdgeRequest>().edgeKey;
  if (!scope) throw unauthorized('missing Bearer edge key');
  return scope;
});
