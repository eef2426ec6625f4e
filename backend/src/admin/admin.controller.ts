import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, UseGuards } from '@nestjs/common';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import {
  createCameraSchema, createEdgeKeySchema, createOrgSchema, createStoreSchema, createViewerKeySchema,
  listCamerasQuery, listEdgeKeysQuery, listStoresQuery, listViewerKeysQuery,
  type CreateCameraDto, type CreateEdgeKeyDto, type CreateOrgDto, type CreateStoreDto, type CreateViewerKeyDto,
} from './admin.dto.ts';
import { AdminTokenGuard } from './admin-token.guard.ts';
import { EdgeKeyService } from './edge-key.service.ts';
import { StoreDirectory } from './store-directory.service.ts';
import { ViewerKeyService } from './viewer-key.service.ts';

@Controller('api/admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(private readonly directory: StoreDirectory, private readonly edgeKeys: EdgeKeyService, private readonly viewerKeys: ViewerKeyService) {}

  @Post('orgs')
  createOrg(@Body(new ZodValidationPipe(createOrgSchema)) dto: CreateOrgDto) {
    return this.directory.createOrg(dto.name);
  }

  @Get('orgs')
  async listOrgs() {
    return { orgs: await this.directory.listOrgs() };
  }

  @Post('stores')
  createStore(@Body(new ZodValidationPipe(createStoreSchema)) dto: CreateStoreDto) {
    return this.directory.createStore(dto);
  }

  @Get('stores')
  async listStores(@Query(new ZodValidationPipe(listStoresQuery, 'query')) q: { org_id?: string }) {
    return { stores: await this.directory.listStores(q.org_id) };
  }

  @Post('cameras')
  createCamera(@Body(new ZodValidationPipe(createCameraSchema)) dto: CreateCameraDto) {
    return this.directory.createCamera(dto);
  }

  @Get('cameras')
  async listCameras(@Query(new ZodValidationPipe(listCamerasQuery, 'query')) q: { store_id?: string }) {
    return { cameras: await this.directory.listCameras(q.store_id) };
  }

  @Post('edge-keys')
  createEdgeKey(@Body(new ZodValidationPipe(createEdgeKeySchema)) dto: CreateEdgeKeyDto) {
    return this.edgeKeys.issue(dto);
  }

  @Get('edge-keys')
  async listEdgeKeys(@Query(new ZodValidationPipe(listEdgeKeysQuery, 'query')) q: { store_id?: string }) {
    return { edge_keys: await this.edgeKeys.list(q.store_id) };
  }

  @Delete('edge-keys/:id')
  @HttpCode(200)
  revokeEdgeKey(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    return this.edgeKeys.revoke(id);
  }

  /** Read keys for dashboards and analytics, one organisation each. */
  @Post('api-keys')
  createViewerKey(@Body(new ZodValidationPipe(createViewerKeySchema)) dto: CreateViewerKeyDto) {
    return this.viewerKeys.issue(dto);
  }

  @Get('api-keys')
  async listViewerKeys(@Query(new ZodValidationPipe(listViewerKeysQuery, 'query')) q: { org_id?: string }) {
    return { api_keys: await this.viewerKeys.list(q.org_id) };
  }

  @Delete('api-keys/:id')
  @HttpCode(200)
  revokeViewerKey(@Param('id', new ParseUUIDPipe({ errorHttpStatusCode: 404 })) id: string) {
    return this.viewerKeys.revoke(id);
  }
}
