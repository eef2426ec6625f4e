import { type CanActivate, createParamDecorator, type ExecutionContext, ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { bearerToken, constantTimeEquals, EDGE_KEY_FORMAT, POS_KEY_FORMAT, unauthorized, VIEWER_KEY_FORMAT } from '../common/bearer-token.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { AuthFailureThrottle } from './auth-failure-throttle.service.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { PosKeyService } from './pos-key.service.ts';
import { ViewerKeyService } from './viewer-key.service.ts';

/** Who is reading: the operator (every organisation) or a viewer key (one organisation). */
export type ReadAccess = { role: 'admin' } | { role: 'viewer'; orgId: string; keyId: string };

type ReadRequest = Request & { readAccess?: ReadAccess };

/**
 * Admits readers of dashboards and analytics: the admin token (everything) or a live viewer key
 * (`wink_view_…`, its own organisation). No or an unknown/revoked token → 401 (429 past the address's
 * failure limit, {@link AuthFailureThrottle}); a live edge or POS key → 403, because those keys may only write
 * events or sales. The caller's {@link ReadAccess} rides on the request.
 *
 * The guard does not know which store a request is about: the service must check it with
 * {@link ReadableStores.get}, which answers a store of another organisation exactly like a missing one
 * (404 `store_id: store X does not exist`), so a viewer cannot probe for other tenants' stores.
 *
 * @example
 *   // in a module that imports AdminModule:
 *   @Controller('api/analytics')
 *   @UseGuards(ReadAccessGuard)
 *   export class AnalyticsController {
 *     constructor(private readonly stores: ReadableStores, private readonly analytics: AnalyticsService) {}
 *
 *     @Get('funnel')
 *     async funnel(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(funnelQuery, 'query')) q: FunnelQuery) {
 *       const store = await this.stores.get(reader, q.store_id); // 404 unless this reader may see it
 *       return this.analytics.funnel(store, q);
 *     }
 *   }
 *   // Queries across stores: `ReadableStores.orgScope(reader)` is the org_id to filter on, or null for admin.
 */
@Injectable()
export class ReadAccessGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly viewerKeys: ViewerKeyService,
    private readonly edgeKeys: EdgeKeyService,
    private readonly posKeys: PosKeyService,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<ReadRequest>();
    const access = await this.identify(req, bearerToken(req));
    if (typeof access === 'string') return this.throttle.refuse(ctx, unauthorized(access));
    req.readAccess = access;
    return true;
  }

  /** Who is reading, or why not (a 401). */
  private async identify(req: Request, token: string | null): Promise<ReadAccess | string> {
    if (!token) return 'missing Bearer token (a viewer API key or the admin token)';
    if (VIEWER_KEY_FORMAT.test(token)) {
      const viewer = await this.viewerKeys.verify(token);
      if (viewer) return { role: 'viewer', orgId: viewer.orgId, keyId: viewer.keyId };
    } else if (EDGE_KEY_FORMAT.test(token)) {
      // Only a key that really is a live edge key earns the more specific answer.
      if (await this.edgeKeys.verify(token)) {
        throw new ForbiddenException({
          statusCode: 403,
          error: 'Forbidden',
          field: 'authorization',
          message: 'authorization: an edge key can only send events; read with a viewer API key',
        });
      }
    } else if (POS_KEY_FORMAT.test(token)) {
      if (await this.posKeys.verify(token)) {
        throw new ForbiddenException({
          statusCode: 403,
          error: 'Forbidden',
          field: 'authorization',
          message: 'authorization: a POS key can only send sales; read with a viewer API key',
        });
      }
    } else if (!(await this.throttle.throttled(req)) && constantTimeEquals(token, this.config.adminToken)) {
      // Only a token that is no API key can be the admin token: viewers' reads cost no throttle check.
      return { role: 'admin' };
    }
    return 'unknown or revoked API key';
  }
}

/** The {@link ReadAccess} that {@link ReadAccessGuard} attached to the request. */
export const Reader = createParamDecorator((_: unknown, ctx: ExecutionContext): ReadAccess => {
  const access = ctx.switchToHttp().getRequest<ReadRequest>().readAccess;
  // A route that forgot @UseGuards(ReadAccessGuard) must fail closed.
  if (!access) throw unauthorized('missing Bearer token (a viewer API key or the admin token)');
  return access;
});
