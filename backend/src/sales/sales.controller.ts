import { Body, Controller, HttpCode, Param, Post, Query, UseGuards } from '@nestjs/common';
import { ApiConsumes, ApiTags } from '@nestjs/swagger';
import type { PosKeyScope } from '../admin/pos-key.service.ts';
import { AdminTokenGuard } from '../admin/admin-token.guard.ts';
import { storeIdParam } from '../admin/admin.dto.ts';
import { AdminAuth, ApiRoute, ApiZodBody, ApiZodParams, ApiZodQuery, PosAuth } from '../common/openapi.ts';
import { ZodValidationPipe } from '../common/zod-validation.pipe.ts';
import { PosKeyGuard, PosScope } from './pos-key.guard.ts';
import { salesBatchSchema, salesCsvQuery, type SalesBatchDto } from './sales.dto.ts';
import { SalesService } from './sales.service.ts';
import { csvBody } from './csv-body.ts';

const WRITE_ANSWER = '`{stores, hours, inserted, corrected, unchanged}`: re-sent hours are unchanged, changed ones corrected (old numbers kept)';

@ApiTags('Sales')
@Controller('api/sales')
@UseGuards(PosKeyGuard)
@PosAuth()
export class SalesController {
  constructor(private readonly sales: SalesService) {}

  @Post()
  @HttpCode(200)
  @ApiZodBody(salesBatchSchema)
  @ApiRoute(
    "Send a store's hourly sales (rows) or receipts: all stored or none; idempotent",
    { 200: WRITE_ANSWER, 400: 'a row or field is invalid (named, e.g. rows[3].sales_amount), or another currency', 404: 'no such store for this key' },
    413,
  )
  submit(@PosScope() scope: PosKeyScope, @Body(new ZodValidationPipe(salesBatchSchema)) dto: SalesBatchDto) {
    return this.sales.submit(scope, dto);
  }
}

@ApiTags('Sales')
@Controller('api/admin/stores')
@UseGuards(AdminTokenGuard)
@AdminAuth()
export class SalesUploadController {
  constructor(private readonly sales: SalesService) {}

  @Post(':store_id/sales.csv')
  @HttpCode(200)
  @ApiConsumes('text/csv')
  @ApiZodParams(storeIdParam)
  @ApiZodQuery(salesCsvQuery)
  @ApiRoute(
    'Upload hourly sales as CSV (header hour,transactions,sales_amount[,units][,store_id]): the whole file or nothing',
    { 200: WRITE_ANSWER, 400: 'a row or field is invalid (named, with its line), or the body is not CSV', 404: 'no such store' },
    413,
  )
  upload(
    @Param(new ZodValidationPipe(storeIdParam, 'query')) p: { store_id: string },
    @Query(new ZodValidationPipe(salesCsvQuery, 'query')) q: { currency: string },
    @Body() body: unknown,
  ) {
    return this.sales.uploadCsv(p.store_id, csvBody(body), q.currency);
  }
}
