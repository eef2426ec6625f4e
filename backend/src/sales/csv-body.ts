import { BadRequestException } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';

/** Fastify parses only JSON here (http-app.ts): `text/csv` bodies arrive as the raw text, bounded by the body limit. */
export function acceptCsvBodies(fastify: FastifyInstance): void {
  if (fastify.hasContentTypeParser('text/csv')) return;
  fastify.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
}

/** The CSV text of a request, or 400 when it came as anything else. */
export function csvBody(body: unknown): string {
  if (typeof body !== 'string') {
    throw new BadRequestException({ statusCode: 400, error: 'Bad Request', message: 'body: must be CSV text (Content-Type: text/csv)', field: 'body' });
  }
  return body;
}
