import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Patch, Post, Query, UseGuards } from '@nestjs/common';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams, ApiZodQuery } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import {
  cameraParams,
  createCameraSchema,
  createEdgeKeySchema,
  createOrgSchema,
  createPosKeySchema,
  createStoreSchema,
  createViewerKeySchema,
  deleteQuery,
  listCamerasQuery,
  listEdgeKeysQuery,
  listPosKeysQuery,
  listStoresQuery,
  listViewerKeysQuery,
  orgIdParam,
  storeIdParam,
  updateCameraSchema,
  updateOrgSchema,
  updateStoreSchema,
  type CreateCameraDto,
  type CreateEdgeKeyDto,
  type CreateOrgDto,
  type CreatePosKeyDto,
  type CreateStoreDto,
  type CreateViewerKeyDto,
  type DeleteQuery,
  type UpdateCameraDto,
  type UpdateOrgDto,
  type UpdateStoreDto,
} from './admin.dto.ts';
import { AdminTokenGuard } from './admin-token.guard.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { PosKeyService } from './pos-key.service.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { TenantLifecycle } from './tenant-lifecycle.service.ts';
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
    private readonly lifecycle: TenantLifecycle,
  ) {}

  @Post('orgs')
  @ApiZodBody(createOrgSchema)
  @ApiRoute('Create an organisation', { 201: '`{id, name}`' }, 400, 413)
  createOrg(@Body(new ZodValidationPipe(createOrgSchema)) dto: CreateOrgDto) {
    return this.directory.createOrg(dto.name);
  }

  @Get('orgs')
  @ApiRoute('List organisations (deleted ones with their data kept too, status "deleted")', { 200: '`{orgs: [{id, name, status, created_at}]}`' })
  async listOrgs() {
    return { orgs: await this.directory.listOrgs() };
  }

  @Patch('orgs/:org_id')
  @ApiZodParams(orgIdParam)
  @ApiZodBody(updateOrgSchema)
  @ApiRoute(
    'Rename an organisation, or disable it (every edge and POS key of its stores answers 403 at once; its history stays readable) or enable it',
    { 200: '`{id, name, status, created_at}`', 404: 'org_id: no such organisation', 409: 'org_id: the organisation is deleted' },
    400,
    413,
  )
  updateOrg(@Param(new ZodValidationPipe(orgIdParam, 'query')) p: { org_id: string }, @Body(new ZodValidationPipe(updateOrgSchema)) dto: UpdateOrgDto) {
    return this.lifecycle.updateOrg(p.org_id, dto);
  }

  @Delete('orgs/:org_id')
  @ApiZodParams(orgIdParam)
  @ApiZodQuery(deleteQuery)
  @ApiRoute(
    'Delete an organisation with all its stores: every key refused at once; ?data=delete removes all its data, ?data=keep keeps it (admin reports only: its viewer keys are revoked)',
    {
      200: '`{org_id, status: "deleted", data: "deleted"|"kept", stores: [...], keys_revoked}`',
      404: 'org_id: no such organisation',
      503: 'org_id: other API processes could not be told; repeat the request',
    },
    400,
  )
  @HttpCode(200)
  deleteOrg(@Param(new ZodValidationPipe(orgIdParam, 'query')) p: { org_id: string }, @Query(new ZodValidationPipe(deleteQuery, 'query')) q: DeleteQuery) {
    return this.lifecycle.deleteOrg(p.org_id, q.data);
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
    "Change a store's name, opening hours or capacity (null clears hours or capacity; the time zone is fixed); disable it (its edge and POS keys answer 403 at once, its history stays readable) or enable it",
    { 200: 'the store', 404: 'store_id: no such store', 409: 'store_id: the store is deleted' },
    400,
    413,
  )
  updateStore(
    @Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string },
    @Body(new ZodValidationPipe(updateStoreSchema)) dto: UpdateStoreDto,
  ) {
    return this.lifecycle.updateStore(p.store_id, dto);
  }

  @Delete('stores/:store_id')
  @ApiZodParams(storeIdParam)
  @ApiZodQuery(deleteQuery)
  @ApiRoute(
    "Delete a store: its edge and POS keys are refused at once on every API process, its live numbers leave Redis; ?data=delete removes every row of its data (its id is free again), ?data=keep keeps them for the organisation's reports",
    {
      200: '`{store_id, status: "deleted", data: "deleted"|"kept", keys_revoked}`',
      404: 'store_id: no such store',
      503: 'store_id: other API processes could not be told; repeat the request',
    },
    400,
  )
  @HttpCode(200)
  deleteStore(
    @Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string },
    @Query(new ZodValidationPipe(deleteQuery, 'query')) q: DeleteQuery,
  ) {
    return this.lifecycle.deleteStore(p.store_id, q.data);
  }

  @Get('stores')
  @ApiZodQuery(listStoresQuery)
  @ApiRoute('List stores, optionally of one organisation (deleted ones with their data kept too, status "deleted")', { 200: '`{stores: [...]}`' }, 400)
  async listStores(@Query(new ZodValidationPipe(listStoresQuery, 'query')) q: { org_id?: string }) {
    return { stores: await this.directory.listStores(q.org_id, { includeDeleted: true }) };
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

  @Patch('cameras/:store_id/:camera_id')
  @ApiZodParams(cameraParams)
  @ApiZodBody(updateCameraSchema)
  @ApiRoute(
    'Rename a camera, or disable it (its edge keys answer 403 at once; its history stays readable) or enable it',
    { 200: 'the camera', 404: 'store_id or camera_id: no such store or camera', 409: 'store_id: the store is deleted' },
    400,
    413,
  )
  updateCamera(
    @Param(new ZodValidationPipe(cameraParams, 'query')) p: { store_id: string; camera_id: string },
    @Body(new ZodValidationPipe(updateCameraSchema)) dto: UpdateCameraDto,
  ) {
    return this.lifecycle.updateCamera(p.store_id, p.camera_id, dto);
  }

  @Delete('cameras/:store_id/:camera_id')
  @ApiZodParams(cameraParams)
  @ApiRoute(
    "Delete a camera and its edge keys (refused at once on every API process); the events it sent stay in the store's history",
    {
      200: '`{store_id, camera_id, keys_revoked}`',
      404: 'store_id or camera_id: no such store or camera',
      409: 'store_id: the store is deleted',
      503: 'camera_id: other API processes could not be told; repeat the request',
    },
    400,
  )
  @HttpCode(200)
  deleteCamera(@Param(new ZodValidationPipe(cameraParams, 'query')) p: { store_id: string; camera_id: string }) {
    return this.lifecycle.deleteCamera(p.store_id, p.camera_id);
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
