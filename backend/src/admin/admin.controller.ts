import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams, ApiZodQuery } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import {
  createCameraSchema,
  createEdgeKeySchema,
  createOrgSchema,
  createPosKeySchema,
  createStoreSchema,
  createViewerKeySchema,
  listCamerasQuery,
  listEdgeKeysQuery,
  listPosKeysQuery,
  listStoresQuery,
  listViewerKeysQuery,
  storeIdParam,
  updateStoreSchema,
  type CreateCameraDto,
  type CreateEdgeKeyDto,
  type CreateOrgDto,
  type CreatePosKeyDto,
  type CreateStoreDto,
  type CreateViewerKeyDto,
  type UpdateStoreDto,
} from './admin.dto.ts';
import { AdminTokenGuard } from './admin-token.guard.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { PosKeyService } from './pos-key.service.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { ViewerKeyService } from './viewer-key.service.ts';

@Controller('api/admin')
@UseGuards(AdminTokenGuard)
@AdminAuth()
export class AdminController {
  constructor(
    private readonly directory: StoreDirectory,
    private readonly edgeKeys: EdgeKeyService,
    private readonly viewerKeys: ViewerKeyService,
    private readonly posKeys: PosKeyService,
  ) {}

  @Post('orgs')
  @ApiZodBody(createOrgSchema)
  @ApiRoute('Create an organisation', { 201: '`{id, name}`' }, 400, 413)
  createOrg(@Body(new ZodValidationPipe(createOrgSchema)) dto: CreateOrgDto) {
    return this.directory.createOrg(dto.name);
  }

  @Get('orgs')
  @ApiRoute('List organisations', { 200: '`{orgs: [{id, name, created_at}]}`' })
  async listOrgs() {
    return { orgs: await this.directory.listOrgs() };
  }

  @Post('stores')
  @ApiZodBody(createStoreSchema)
  @ApiRoute(
    'Create a store (store_id unique across organisations)',
    { 201: 'the store', 404: 'org_id: no such organisation', 409: 'store_id already exists' },
    400,
    413,
  )
  createStore(@Body(new ZodValidationPipe(createStoreSchema)) dto: CreateStoreDto) {
    return this.directory.createStore(dto);
  }

  @Patch('stores/:store_id')
  @ApiZodParams(storeIdParam)
  @ApiZodBody(updateStoreSchema)
  @ApiRoute(
    "Change a store's name, opening hours or capacity (null clears hours or capacity; the time zone is fixed)",
    { 200: 'the store', 404: 'store_id: no such store' },
    400,
    413,
  )
  updateStore(
    @Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string },
    @Body(new ZodValidationPipe(updateStoreSchema)) dto: UpdateStoreDto,
  ) {
    return this.directory.updateStore(p.store_id, dto);
  }

  @Get('stores')
  @ApiZodQuery(listStoresQuery)
  @ApiRoute('List stores, optionally of one organisation', { 200: '`{stores: [...]}`' }, 400)
  async listStores(@Query(new ZodValidationPipe(listStoresQuery, 'query')) q: { org_id?: string }) {
    return { stores: await this.directory.listStores(q.org_id) };
  }

  @Post('cameras')
  @ApiZodBody(createCameraSchema)
  @ApiRoute('Add a camera to a store', { 201: 'the camera', 404: 'store_id: no such store', 409: 'camera_id already exists in the store' }, 400, 413)
  createCamera(@Body(new ZodValidationPipe(createCameraSchema)) dto: CreateCameraDto) {
    return this.directory.createCamera(dto);
  }

  @Get('cameras')
  @ApiZodQuery(listCamerasQuery)
  @ApiRoute('List cameras, optionally of one store', { 200: '`{cameras: [...]}`' }, 400)
  async listCameras(@Query(new ZodValidationPipe(listCamerasQuery, 'query')) q: { store_id?: string }) {
    return { cameras: await this.directory.listCameras(q.store_id) };
  }

  @Post('edge-keys')
  @ApiZodBody(createEdgeKeySchema)
  @ApiRoute(
    'Issue an edge key for one camera (shown once)',
    { 201: '`{id, api_key: "wink_edge_…", store_id, camera_id, message}`', 400: 'invalid body, or the store is not of org_id', 404: 'no such store or camera' },
    413,
  )
  createEdgeKey(@Body(new ZodValidationPipe(createEdgeKeySchema)) dto: CreateEdgeKeyDto) {
    return this.edgeKeys.issue(dto);
  }

  @Get('edge-keys')
  @ApiZodQuery(listEdgeKeysQuery)
  @ApiRoute('List edge keys (no secrets)', { 200: '`{edge_keys: [...]}`' }, 400)
  async listEdgeKeys(@Query(new ZodValidationPipe(listEdgeKeysQuery, 'query')) q: { store_id?: string }) {
    return { edge_keys: await this.edgeKeys.list(q.store_id) };
  }

  @Delete('edge-keys/:id')
  @ApiRoute('Revoke an edge key (at once)', { 200: '`{id, revoked_at}`', 404: 'no such key (or not a UUID)' })
  @HttpCode(200)
  revokeEdgeKey(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    return this.edgeKeys.revoke(id);
  }

  /** Read keys for dashboards and analytics, one organisation each. */
  @Post('api-keys')
  @ApiZodBody(createViewerKeySchema)
  @ApiRoute(
    'Issue a viewer key for one organisation (shown once)',
    { 201: '`{id, api_key: "wink_view_…", org_id, role, name, message}`', 404: 'org_id: no such organisation' },
    400,
    413,
  )
  createViewerKey(@Body(new ZodValidationPipe(createViewerKeySchema)) dto: CreateViewerKeyDto) {
    return this.viewerKeys.issue(dto);
  }

  @Get('api-keys')
  @ApiZodQuery(listViewerKeysQuery)
  @ApiRoute('List viewer keys (no secrets)', { 200: '`{api_keys: [...]}`' }, 400)
  async listViewerKeys(@Query(new ZodValidationPipe(listViewerKeysQuery, 'query')) q: { org_id?: string }) {
    return { api_keys: await this.viewerKeys.list(q.org_id) };
  }

  @Delete('api-keys/:id')
  @ApiRoute('Revoke a viewer key', { 200: '`{id, revoked_at}`', 404: 'no such key (or not a UUID)' })
  @HttpCode(200)
  revokeViewerKey(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    return this.viewerKeys.revoke(id);
  }

  /** Write-only keys for point-of-sale systems (POST /api/sales): an organisation's stores, or one store. */
  @Post('pos-keys')
  @ApiZodBody(createPosKeySchema)
  @ApiRoute(
    'Issue a POS key for an organisation or one of its stores (shown once); it can only send sales',
    {
      201: '`{id, api_key: "wink_pos_…", org_id, store_id, name, message}`',
      400: 'invalid body, or the store is not of org_id',
      404: 'no such organisation or store',
    },
    413,
  )
  createPosKey(@Body(new ZodValidationPipe(createPosKeySchema)) dto: CreatePosKeyDto) {
    return this.posKeys.issue(dto);
  }

  @Get('pos-keys')
  @ApiZodQuery(listPosKeysQuery)
  @ApiRoute('List POS keys (no secrets)', { 200: '`{pos_keys: [...]}`' }, 400)
  async listPosKeys(@Query(new ZodValidationPipe(listPosKeysQuery, 'query')) q: { org_id?: string }) {
    return { pos_keys: await this.posKeys.list(q.org_id) };
  }

  @Delete('pos-keys/:id')
  @ApiRoute('Revoke a POS key (at once)', { 200: '`{id, revoked_at}`', 404: 'no such key (or not a UUID)' })
  @HttpCode(200)
  revokePosKey(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    return this.posKeys.revoke(id);
  }
}
