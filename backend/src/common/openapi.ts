import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyDecorators, type INestApplication } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiQuery, ApiResponse, DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { OpenAPIObject } from '@nestjs/swagger';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * The OpenAPI document, generated from the controllers and from the same zod schemas that validate the
 * requests: `@ApiZodBody(schema)` / `@ApiZodQuery(schema)` / `@ApiZodParams(schema)` convert a DTO schema with
 * zod's own `z.toJSONSchema` (input side, OpenAPI 3.0 dialect) and hand it to @nestjs/swagger, so a field
 * changed in a DTO changes the document. `@ApiRoute(summary, ...statuses)` documents the answers and
 * `@AdminAuth()` / `@EdgeAuth()` / `@ReaderAuth()` the token a route takes.
 */

export const DOCS_PATH = '/api/docs';
export const OPENAPI_JSON_PATH = `${DOCS_PATH}/openapi.json`;

/** Security scheme names, one per kind of Bearer token. */
export const SECURITY = { admin: 'admin_token', edge: 'edge_key', viewer: 'viewer_key', pos: 'pos_key' } as const;

type SchemaObject = Record<string, unknown>;

/** A zod schema as an OpenAPI 3.0 schema object: what a client may send (defaults optional, transforms' inputs). */
export function openApiSchema(schema: z.ZodType): SchemaObject {
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: 'input', target: 'openapi-3.0', unrepresentable: 'any' }) as SchemaObject;
  return json;
}

/** The properties of an object schema, each with whether it is required: one query or path parameter each. */
function parametersOf(schema: z.ZodType): { name: string; required: boolean; schema: SchemaObject }[] {
  const json = openApiSchema(schema);
  const properties = json.properties as Record<string, SchemaObject> | undefined;
  if (json.type !== 'object' || !properties) throw new Error('ApiZodQuery/ApiZodParams need a z.object schema');
  const required = new Set((json.required as string[] | undefined) ?? []);
  return Object.entries(properties).map(([name, s]) => ({ name, required: required.has(name), schema: s }));
}

export const ApiZodBody = (schema: z.ZodType) => ApiBody({ required: true, schema: openApiSchema(schema) as never });

export const ApiZodQuery = (schema: z.ZodType) =>
  applyDecorators(
    ...parametersOf(schema).map((p) =>
      ApiQuery({ name: p.name, required: p.required, schema: p.schema as never, description: p.schema.description as string | undefined }),
    ),
  );

export const ApiZodParams = (schema: z.ZodType) =>
  applyDecorators(
    ...parametersOf(schema).map((p) =>
      ApiParam({ name: p.name, required: true, schema: p.schema as never, description: p.schema.description as string | undefined }),
    ),
  );

/** The error body every failure has (HttpErrorFilter). */
export const httpErrorSchema = z.object({
  statusCode: z.number().int().min(400).max(599),
  error: z.string(),
  message: z.string().meta({ description: '`<field>: <why>`, e.g. `events[2].dwell_seconds: must not be negative`' }),
  field: z.string().optional().meta({ description: 'the field at fault, as a path (`events[2].dwell_seconds`, `store_id`, `authorization`, `body`)' }),
  event_index: z.number().int().min(0).optional().meta({ description: 'ingest only: index of the first invalid event of the batch' }),
});
const HTTP_ERROR_REF = { $ref: '#/components/schemas/HttpError' };

type Status = 200 | 201 | 202 | 400 | 401 | 403 | 404 | 409 | 413 | 429 | 500 | 503;
const DEFAULT_DESCRIPTIONS: Record<Status, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted: being computed',
  400: 'Invalid input; `message` and `field` name the field',
  401: 'Missing, unknown or revoked token',
  403: 'Token not allowed here',
  404: 'Not found (for a viewer key, also a store of another organisation)',
  409: 'Already exists',
  413: 'Body larger than 1 MB',
  429: 'Too many failed authentications from this address (AUTH_FAILURES_PER_MINUTE); wait Retry-After seconds',
  500: 'Unexpected server error',
  503: 'A dependency (PostgreSQL, Redis, workers) is not available',
};

/** A status with its default description, or `{ status: description }` (`{ description }` alone: no error body). */
type Answer = Status | Partial<Record<Status, string | { description: string }>>;

/** Summary and answers of a route. Error statuses (≥ 400) carry the error body's schema unless given as `{ description }`. */
export function ApiRoute(summary: string, ...answers: Answer[]) {
  return applyDecorators(ApiOperation({ summary }), ApiAnswers(...answers));
}

export function ApiAnswers(...answers: Answer[]) {
  const entries = answers.flatMap((a) =>
    typeof a === 'number' ? [[a, DEFAULT_DESCRIPTIONS[a]] as const] : Object.entries(a).map(([s, d]) => [Number(s) as Status, d!] as const),
  );
  return applyDecorators(
    ...entries.map(([status, d]) =>
      typeof d === 'string'
        ? ApiResponse({ status, description: d, ...(status >= 400 ? { schema: HTTP_ERROR_REF } : {}) })
        : ApiResponse({ status, description: d.description }),
    ),
  );
}

/** The admin API: Bearer ADMIN_TOKEN. */
export const AdminAuth = () => applyDecorators(ApiBearerAuth(SECURITY.admin), ApiAnswers({ 401: 'Missing or wrong admin token' }, 429));

/** The edge: the camera's own `wink_edge_…` key. */
export const EdgeAuth = () =>
  applyDecorators(
    ApiBearerAuth(SECURITY.edge),
    ApiAnswers({ 401: 'Missing, unknown or revoked edge key', 403: 'The key belongs to another organisation, store or camera than the body names' }, 429),
  );

/** Sales from a point-of-sale system: a POS key (its organisation's stores, or its one store). */
export const PosAuth = () =>
  applyDecorators(
    ApiBearerAuth(SECURITY.pos),
    ApiAnswers({ 401: 'Missing, unknown or revoked POS key', 403: 'A viewer or edge key: those cannot write sales' }, 429),
  );

/** Dashboards and analytics: a viewer key (its organisation's stores) or the admin token (everything). */
export const ReaderAuth = () =>
  applyDecorators(
    ApiBearerAuth(SECURITY.viewer),
    ApiBearerAuth(SECURITY.admin),
    ApiAnswers({ 401: 'Missing, unknown or revoked key', 403: 'An edge key: edge keys can only send events' }, 429),
  );

/** The version of the nearest package.json above this file (source or dist). */
function packageVersion(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  try {
    return (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { version?: string }).version ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
}

export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('WINK API')
    .setDescription(
      'In-store retail analytics from CCTV: admin (tenants, keys), ingest (edge events), dashboard and analytics. ' +
        'Errors are `{statusCode, error, message, field}`. Generated from the controllers and their zod DTOs.',
    )
    .setVersion(packageVersion())
    .addTag('Admin', 'Organisations, stores, cameras, edge keys, viewer keys and webhook endpoints (admin token)')
    .addTag('Ingest', 'Events and heartbeats from the edge (edge key); health')
    .addTag('Dashboard', 'Live numbers, cameras and history of a store (viewer key or admin token)')
    .addTag('Analytics', 'Spike and promotion-lift reports (viewer key or admin token); queues and rollups (admin token)')
    .addTag('Sales', 'Hourly sales and receipts from point-of-sale systems (POS key); CSV upload (admin token)')
    .addTag('Metrics', 'Prometheus scrape')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'ADMIN_TOKEN',
        description: 'Admin API: `Authorization: Bearer <ADMIN_TOKEN>`. Also reads every dashboard and report.',
      },
      SECURITY.admin,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'wink_edge_…',
        description: 'Edge key of one camera (`wink_edge_…`, POST /api/admin/edge-keys): writes events and heartbeats only.',
      },
      SECURITY.edge,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'wink_view_…',
        description: "Viewer API key (`wink_view_…`, POST /api/admin/api-keys): reads its organisation's dashboards and reports.",
      },
      SECURITY.viewer,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'wink_pos_…',
        description: "POS key (`wink_pos_…`, POST /api/admin/pos-keys): writes its organisation's or store's sales only.",
      },
      SECURITY.pos,
    )
    .build();
  config.components = { ...config.components, schemas: { HttpError: openApiSchema(httpErrorSchema) as never } };
  return SwaggerModule.createDocument(app, config);
}

/** Swagger UI needs inline styles (its page and React's style attributes) and data: images (its icons). */
export const DOCS_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');
const DOCS_HEADERS: Record<string, string> = { 'content-security-policy': DOCS_CSP, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };

/**
 * Swagger UI at /api/docs, the document at /api/docs/openapi.json. The UI's files come from the
 * swagger-ui-dist package through the app itself (no CDN), and the online validator badge is off, so the
 * page makes no request outside the app's origin. The document is built on first request.
 */
export function serveApiDocs(app: INestApplication): void {
  const server = app.getHttpAdapter().getInstance() as FastifyInstance;
  // Every answer under /api/docs carries them: the browser itself refuses anything not from here.
  server.addHook('onRequest', (req, reply, done) => {
    const path = req.url.split('?')[0];
    if (path === DOCS_PATH || path.startsWith(`${DOCS_PATH}/`)) reply.headers(DOCS_HEADERS);
    done();
  });
  // swagger-ui-dist's own initializer loads the petstore demo from petstore.swagger.io; our page uses swagger-ui-init.js.
  for (const path of [`${DOCS_PATH}/swagger-initializer.js`, `${DOCS_PATH}/docs/swagger-initializer.js`]) {
    server.get(path, (_req, reply) => reply.code(404).send({ statusCode: 404, error: 'Not Found', message: "not part of this API's docs" }));
  }
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    raw: ['json'],
    customSiteTitle: 'WINK API',
    swaggerOptions: { validatorUrl: null, persistAuthorization: false, displayRequestDuration: true },
  });
}
