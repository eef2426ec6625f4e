import { Body, Controller, Get, Param, Put, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { orgIdParam } from '../admin/admin.dto.ts';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { OrganisationRetention } from './organisation-retention.service.ts';
import { RETENTION_DEFAULTS, retentionSettingsSchema, type RetentionSettings } from './retention-policy.ts';

const ANSWER = `\`{raw_event_months, heartbeat_days}\` (defaults ${RETENTION_DEFAULTS.raw_event_months} and ${RETENTION_DEFAULTS.heartbeat_days}); rollups, reports and compacted heartbeat days are always kept`;

/** An organisation's retention, beside the rest of the admin API (applied daily by the retention worker). */
@Controller('api/admin/orgs')
@ApiTags('Admin')
@UseGuards(AdminTokenGuard)
@AdminAuth()
export class RetentionController {
  constructor(private readonly retention: OrganisationRetention) {}

  @Get(':org_id/retention')
  @ApiZodParams(orgIdParam)
  @ApiRoute("An organisation's retention", { 200: ANSWER, 404: 'org_id: no such organisation' }, 400)
  get(@Param(new ZodValidationPipe(orgIdParam, 'query')) p: { org_id: string }): Promise<RetentionSettings> {
    return this.retention.get(p.org_id);
  }

  @Put(':org_id/retention')
  @ApiZodParams(orgIdParam)
  @ApiZodBody(retentionSettingsSchema)
  @ApiRoute(
    "Set an organisation's retention: raw events kept `raw_event_months` (1–120), heartbeats `heartbeat_days` (2–3650). Months shared with organisations keeping longer are dropped only when all have expired them; until then this organisation's expired rows are deleted as rows",
    { 200: ANSWER, 404: 'org_id: no such organisation' },
    400,
    413,
  )
  put(
    @Param(new ZodValidationPipe(orgIdParam, 'query')) p: { org_id: string },
    @Body(new ZodValidationPipe(retentionSettingsSchema)) body: RetentionSettings,
  ): Promise<RetentionSettings> {
    return this.retention.put(p.org_id, body);
  }
}
