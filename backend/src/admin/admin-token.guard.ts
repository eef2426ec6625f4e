import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { FastifyRequest as Request } from 'fastify';
import { bearerToken, constantTimeEquals } from '../common/bearer-token.ts';
import { APP_CONFIG, type AppConfig } from '../config/app-config.ts';

@Injectable()
export class AdminTokenGuard implements CanActivate {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  canActivate(ctx: ExecutionContext): boolean {
    const token = bearerToken(ctx.switchToHttp().getRequest<Request>());
    if (!token || !constantTimeEquals(token, this.config.adminToken)) {
      throw new UnauthorizedException({ statusCode: 401, error: 'Unauthorized', message: 'authorization: admin token required (Bearer ADMIN_TOKEN)', field: 'authorization' });
    }
    return true;
  }
}
