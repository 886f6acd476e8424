import Router from '@koa/router';
import { z } from 'zod';
import type { RouterFactory } from '../app';

/**
 * The /api/v1 OpenAPI document. Each API module exports its operations as data next to its routes
 *   export const customerOperations: ApiOperation[] = [{ method: 'get', path: '/api/v1/customers/{id}', summary: '…', response: CustomerSchema }]
 * with the core's schemas (core/<context>/schemas.ts and the operations' inputs); server/api/index.ts lists them all
 * (API_OPERATIONS) and openApiRouter(list) serves the document built from that list at GET /api/v1/openapi.json
 * (no key needed). Paths may use koa style (`:id`) or OpenAPI style (`{id}`).
 */
export interface ApiOperation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  path: string;
  summary: string;
  description?: string;
  tags?: string[];
  /** JSON request body. */
  request?: z.ZodType;
  /** Query parameters (a z.object). */
  query?: z.ZodType;
  /** Success response body. */
  response?: z.ZodType;
  /** Success status (default 200; 201 for creates if you say so). */
  status?: number;
  /** Public operations need no API key. */
  public?: boolean;
  /** A multipart/form-data body (uploads): its text fields and the name of its file field (in addition to `request` as JSON, if given). */
  multipart?: { fields?: z.ZodType; files: string; maxFiles: number };
}

/** What a document says about itself: title, description and how callers authenticate. */
export interface OpenApiInfo {
  title: string;
  description: string;
  security: { name: string; scheme: Record<string, unknown> };
}

export const API_V1_INFO: OpenApiInfo = {
  title: 'CRM integration API',
  description: 'Bearer API keys (`npm run crm -- apikey create --name N`). Lists use keyset pagination: pass `nextCursor` back as `cursor`.',
  security: { name: 'apiKey', scheme: { type: 'http', scheme: 'bearer', description: 'API key created with the CLI' } },
};

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]\w*)/g, '{$1}');

function schemaOf(s: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  try {
    const json = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as Record<string, unknown>;
    delete json.$schema;
    return json;
  } catch {
    return {}; // one odd schema must not take the whole document down
  }
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, field: { type: 'string' }, data: { type: 'object' } },
      required: ['code', 'message'],
    },
  },
  required: ['error'],
};

/** The document of `operations` (sorted by path, then method); an operation listed twice is a programming error. */
export function buildOpenApiDocument(operations: readonly ApiOperation[], info: OpenApiInfo = API_V1_INFO): Record<string, unknown> {
  const seen = new Set<string>();
  for (const op of operations) {
    const key = `${op.method} ${toOpenApiPath(op.path)}`;
    if (seen.has(key)) throw new Error(`API operation ${key} listed twice`);
    seen.add(key);
  }
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...operations].sort((a, b) => toOpenApiPath(a.path).localeCompare(toOpenApiPath(b.path)) || a.method.localeCompare(b.method));
  for (const op of sorted) {
    const path = toOpenApiPath(op.path);
    const parameters: Record<string, unknown>[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (op.query) {
      const qs = schemaOf(op.query, 'input') as { properties?: Record<string, unknown>; required?: string[] };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) {
        parameters.push({ name, in: 'query', required: (qs.required ?? []).includes(name), schema });
      }
    }
    const status = String(op.status ?? 200);
    const entry: Record<string, unknown> = {
      summary: op.summary,
      ...(op.description ? { description: op.description } : {}),
      ...(op.tags ? { tags: op.tags } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(op.request || op.multipart ? { requestBody: { required: true, content: requestContent(op) } } : {}),
      responses: {
        [status]: op.response ? { description: 'OK', content: { 'application/json': { schema: schemaOf(op.response, 'output') } } } : { description: 'OK' },
        default: { description: 'Error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } },
      },
      ...(op.public ? { security: [] } : {}),
    };
    (paths[path] ??= {})[op.method] = entry;
  }
  return {
    openapi: '3.1.0',
    info: { title: info.title, version: '1.0.0', description: info.description },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { [info.security.name]: info.security.scheme },
      schemas: { Error: errorSchema },
    },
    security: [{ [info.security.name]: [] }],
    paths,
  };
}

function requestContent(op: ApiOperation): Record<string, unknown> {
  const content: Record<string, unknown> = {};
  if (op.request) content['application/json'] = { schema: schemaOf(op.request, 'input') };
  if (op.multipart) {
    const fields = (op.multipart.fields ? schemaOf(op.multipart.fields, 'input') : { type: 'object', properties: {} }) as { properties?: Record<string, unknown>; required?: string[] };
    content['multipart/form-data'] = {
      schema: {
        type: 'object',
        properties: { ...(fields.properties ?? {}), [op.multipart.files]: { type: 'array', maxItems: op.multipart.maxFiles, items: { type: 'string', format: 'binary' } } },
        ...(fields.required?.length ? { required: fields.required } : {}),
      },
    };
  }
  return content;
}

export const openApiOperations: ApiOperation[] = [{ method: 'get', path: '/api/v1/openapi.json', summary: 'This OpenAPI document', tags: ['meta'], public: true }];

/** Serves the document of `operations` (built on the first request, then kept). */
export function openApiRouter(operations: readonly ApiOperation[]): RouterFactory {
  return () => {
    const r = new Router();
    let cached: Record<string, unknown> | null = null;
    r.get('/api/v1/openapi.json', (ctx) => {
      ctx.body = cached ??= buildOpenApiDocument(operations);
    });
    return r;
  };
}
