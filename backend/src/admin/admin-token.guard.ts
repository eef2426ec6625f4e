import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { bearerToken, constantTimeEquals } from '../common/bearer-token.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';
import { AuthFailureThrottle } from './auth-failure-throttle.service.ts';

@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly throttle: AuthFailureThrottle,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<Request>();
    const token = bearerToken(req);
    // From a throttled address the admin token is not even compared (AuthFailureThrottle).
    if (!token || (await this.throttle.throttled(req)) || !constantTimeEquals(token, this.config.adminToken)) {
      return this.throttle.refuse(
        ctx,
        new UnauthorizedException({
          statusCode: 401,
          error: 'Unauthorized',
          message: 'authorization: admin token required (Bearer ADMIN_TOKEN)',
          field: 'authorization',
        }),
      );
    }
    return true;
  }
}
