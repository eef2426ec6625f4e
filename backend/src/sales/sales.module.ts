import { Module, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AdminModule } from '../admin/admin.module.ts';
import { acceptCsvBodies } from './csv-body.ts';
import { PosKeyGuard } from './pos-key.guard.ts';
import { SalesController, SalesUploadController } from './sales.controller.ts';
import { SalesService } from './sales.service.ts';

/**
 * Sales beside footfall (issue #17): hourly sales and receipts from point-of-sale systems (POS keys) and CSV
 * uploads. SalesService is the read side for dashboards and reports.
 */
@Module({
  imports: [AdminModule],
  controllers: [SalesController, SalesUploadController],
  providers: [SalesService, PosKeyGuard],
  exports: [SalesService],
})
export class SalesModule implements OnModuleInit {
  constructor(private readonly host: HttpAdapterHost) {}

  onModuleInit(): void {
    // The worker process has no HTTP server.
    const fastify = this.host.httpAdapter?.getInstance?.() as FastifyInstance | undefined;
    if (fastify) acceptCsvBodies(fastify);
  }
}
