import { type CanActivate, createParamDecorator, type ExecutionContext, ForbiddenException, Injectable } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { AuthFailureThrottle } from '../admin/auth-failure-throttle.service.ts';
import { PosKeyService, type PosKeyScope } from '../admin/pos-key.service.ts';
import { ViewerKeyService } from '../admin/viewer-key.service.ts';
import { bearerToken, POS_KEY_FORMAT, unauthorized, VIEWER_KEY_FORMAT } from '../common/bearer-token.ts';

type PosRequest = Request & { posKey?: PosKeyScope };

/**
 * Admits sales writes that carry a live POS key (`wink_pos_…`); its scope rides on the request. A live viewer key
 * is a 403 (viewers read, they cannot write sales); anything else is a 401 counted by AuthFailureThrottle.
 */
@Injectable()
export class PosKeyGuard implements CanActivate {
  constructor(
    private readonly posKeys: PosKeyService,
    private readonly viewerKeys: ViewerKeyService,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<PosRequest>();
    const token = bearerToken(req);
    if (!token) return this.throttle.refuse(ctx, unauthorized('missing Bearer POS key'));
    if (POS_KEY_FORMAT.test(token)) {
      const scope = await this.posKeys.verify(token);
      if (scope) {
        if (scope.refusal) throw new ForbiddenException({ statusCode: 403, error: 'Forbidden', field: 'authorization', message: scope.refusal });
        req.posKey = scope;
        return true;
      }
    } else if (VIEWER_KEY_FORMAT.test(token) && (await this.viewerKeys.verify(token))) {
      throw new ForbiddenException({
        statusCode: 403,
        error: 'Forbidden',
        field: 'authorization',
        message: 'authorization: a viewer key can only read; send sales with a POS key (POST /api/admin/pos-keys)',
      });
    }
    return this.throttle.refuse(ctx, unauthorized('unknown or revoked POS key'));
  }
}

export const PosScope = createParamDecorator((_: unknown, ctx: ExecutionContext): PosKeyScope => {
  const scope = ctx.switchToHttp().getRequest<PosRequest>().posKey;
  if (!scope) throw unauthorized('missing Bearer POS key');
  return scope;
});
