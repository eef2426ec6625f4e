import { Body, Controller, Get, Param, Put, Query, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { AlertListView, AlertRulesView } from '../../../shared/src/alerts.ts';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { ReadAccessGuard, Reader, type ReadAccess } from '../admin/read-access.guard.ts';
import { ReadableStores } from '../admin/readable-stores.service.ts';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams, ApiZodQuery, ReaderAuth } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { AlertRules } from './alert-rules.service.ts';
import { alertRulesPatch, alertsQuery, rulesQuery, storeIdParam, type AlertRulesPatch, type AlertsQuery, type RulesQuery } from './alerts.dto.ts';
import { AlertsService } from './alerts.service.ts';

const RULES_ANSWER =
  '`{store_id, rules}`: every rule type with its effective settings (defaults filled in): `occupancy_over_capacity {enabled, share, clear_share}`, `queue_length {enabled, length, clear_length}`, `queue_wait {enabled, seconds, clear_seconds}`, `camera_not_analysing {enabled, minutes, min_fps_share}`, `no_footfall {enabled, minutes}`, `traffic_spike {enabled}`, `edge_events_lost {enabled, quiet_minutes}` (docs/alerts.md)';

/** The organisation's readers: its alerts and its stores' rules. */
@Controller('api/alerts')
@ApiTags('Alerts')
@UseGuards(ReadAccessGuard)
@ReaderAuth()
export class AlertsController {
  constructor(
    private readonly stores: ReadableStores,
    private readonly alerts: AlertsService,
    private readonly rules: AlertRules,
  ) {}

  @Get()
  @ApiZodQuery(alertsQuery)
  @ApiRoute(
    'Alerts, newest first: of one store, or (without store_id) of every store this reader may read plus the organisation’s own',
    {
      200: '`{alerts: [{alert_id, type, state, store_id, subject, summary, fired_at, resolved_at, evidence, resolve_evidence}]}`; `state` `firing` or `resolved`; `store_id` null for an organisation alert; `evidence` the numbers that made it fire',
    },
    400,
    404,
  )
  async list(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(alertsQuery, 'query')) q: AlertsQuery): Promise<AlertListView> {
    const state = q.state ?? null;
    if (q.store_id) {
      const store = await this.stores.get(reader, q.store_id);
      return { alerts: await this.alerts.list({ org_id: store.org_id, store_ids: [store.store_id], with_org_alerts: false, state, limit: q.limit }) };
    }
    const stores = await this.stores.list(reader);
    const org_id = this.stores.orgScope(reader);
    return { alerts: await this.alerts.list({ org_id, store_ids: stores.map((s) => s.store_id), with_org_alerts: true, state, limit: q.limit }) };
  }

  @Get('rules')
  @ApiZodQuery(rulesQuery)
  @ApiRoute("A store's alert rules", { 200: RULES_ANSWER }, 400, 404)
  async storeRules(@Reader() reader: ReadAccess, @Query(new ZodValidationPipe(rulesQuery, 'query')) q: RulesQuery): Promise<AlertRulesView> {
    return this.rules.view(await this.stores.get(reader, q.store_id));
  }
}

/** The operator's side of the rules, beside the rest of the admin API. */
@Controller('api/admin/stores')
@ApiTags('Admin')
@UseGuards(AdminTokenGuard)
@AdminAuth()
export class AlertRulesAdminController {
  constructor(
    private readonly stores: ReadableStores,
    private readonly rules: AlertRules,
  ) {}

  @Get(':store_id/alert-rules')
  @ApiZodParams(storeIdParam)
  @ApiRoute("A store's alert rules", { 200: RULES_ANSWER, 404: 'store_id: no such store' }, 400)
  async get(@Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string }): Promise<AlertRulesView> {
    return this.rules.view(await this.stores.get({ role: 'admin' }, p.store_id));
  }

  @Put(':store_id/alert-rules')
  @ApiZodParams(storeIdParam)
  @ApiZodBody(alertRulesPatch)
  @ApiRoute(
    'Change a store\'s alert rules: a partial object keyed by type (e.g. `{"queue_length": {"length": 6}}`); the types and settings not named keep theirs. A clear threshold must be below its fire threshold',
    { 200: RULES_ANSWER, 404: 'store_id: no such store' },
    400,
    413,
  )
  async put(
    @Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string },
    @Body(new ZodValidationPipe(alertRulesPatch)) patch: AlertRulesPatch,
  ): Promise<AlertRulesView> {
    return this.rules.update(await this.stores.get({ role: 'admin' }, p.store_id), patch);
  }
}
