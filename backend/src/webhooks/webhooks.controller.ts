import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodQuery } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { createWebhookSchema, listDeliveriesQuery, type CreateWebhookDto, type ListDeliveriesQuery } from './webhooks.dto.ts';
import { WebhookDeliveries } from './webhook-deliveries.service.ts';
import { WebhookEndpoints } from './webhook-endpoints.service.ts';

/** A malformed id is "no such thing", like the admin API's other ids. */
const uuid404 = new ParseUUIDPipe({ errorHttpStatusCode: 404 });
const NOT_FOUND = { 404: 'no such organisation, or no such endpoint in it (another organisation\u2019s endpoint alike)' };

/** An organisation's webhook endpoints and their delivery log (admin token). Every endpoint id is looked up inside org_id. */
@Controller('api/admin/orgs/:org_id/webhooks')
@ApiTags('Admin')
@UseGuards(AdminTokenGuard)
@AdminAuth()
export class WebhooksController {
  constructor(
    private readonly endpoints: WebhookEndpoints,
    private readonly deliveries: WebhookDeliveries,
  ) {}

  @Post()
  @ApiZodBody(createWebhookSchema)
  @ApiRoute(
    'Add a webhook endpoint (its signing secret is shown once)',
    { 201: '`{endpoint_id, url, description, enabled, …, secret: "whsec_…", message}`', 404: 'org_id: no such organisation' },
    400,
    413,
  )
  create(@Param('org_id', uuid404) orgId: string, @Body(new ZodValidationPipe(createWebhookSchema)) dto: CreateWebhookDto) {
    return this.endpoints.create(orgId, dto);
  }

  @Get()
  @ApiRoute("List the organisation's webhook endpoints (no secrets)", { 200: '`{endpoints: [...]}`', 404: 'org_id: no such organisation' })
  async list(@Param('org_id', uuid404) orgId: string) {
    return { endpoints: await this.endpoints.list(orgId) };
  }

  /** Declared before `:endpoint_id` for readers; the router prefers the static segment anyway. */
  @Get('deliveries')
  @ApiZodQuery(listDeliveriesQuery)
  @ApiRoute('The delivery log, newest first: state, attempts, last status code and error, latency', { 200: '`{deliveries: [...]}`', ...NOT_FOUND }, 400)
  async listDeliveries(@Param('org_id', uuid404) orgId: string, @Query(new ZodValidationPipe(listDeliveriesQuery, 'query')) q: ListDeliveriesQuery) {
    return { deliveries: await this.deliveries.list(orgId, q) };
  }

  @Get(':endpoint_id')
  @ApiRoute('One webhook endpoint (no secret)', { 200: 'the endpoint', ...NOT_FOUND })
  get(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.endpoints.get(orgId, endpointId);
  }

  @Delete(':endpoint_id')
  @HttpCode(200)
  @ApiRoute('Delete a webhook endpoint and its delivery log', { 200: '`{endpoint_id, deleted: true}`', ...NOT_FOUND })
  delete(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.endpoints.delete(orgId, endpointId);
  }

  @Post(':endpoint_id/disable')
  @HttpCode(200)
  @ApiRoute('Stop deliveries to an endpoint (pending ones end as failed)', { 200: 'the endpoint', ...NOT_FOUND })
  disable(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.endpoints.disable(orgId, endpointId);
  }

  @Post(':endpoint_id/enable')
  @HttpCode(200)
  @ApiRoute('Enable an endpoint again (its failure count starts from zero; its disabled alert resolves)', { 200: 'the endpoint', ...NOT_FOUND })
  enable(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.endpoints.enable(orgId, endpointId);
  }

  @Post(':endpoint_id/rotate-secret')
  @HttpCode(200)
  @ApiRoute('Replace the signing secret (the new one is shown once; every attempt from now on uses it)', {
    200: '`{endpoint_id, secret: "whsec_…", message}`',
    ...NOT_FOUND,
  })
  rotateSecret(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.endpoints.rotateSecret(orgId, endpointId);
  }

  @Post(':endpoint_id/test')
  @HttpCode(202)
  @ApiRoute('Send a `webhook.test` event to this endpoint', {
    202: '`{delivery_id, endpoint_id, type: "webhook.test"}`: queued, see the delivery log',
    409: 'endpoint_id: the endpoint is disabled',
    ...NOT_FOUND,
  })
  sendTest(@Param('org_id', uuid404) orgId: string, @Param('endpoint_id', uuid404) endpointId: string) {
    return this.deliveries.sendTest(orgId, endpointId);
  }
}
