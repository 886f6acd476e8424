import Router from '@koa/router';
import { z } from 'zod';
import type { RouterFactory } from '../app';

/**
 * The /api/v1 OpenAPI registry. Each API module registers its operations next to its routes:
 *   registerOperation({ method: 'get', path: '/api/v1/customers/{id}', summary: '…', response: CustomerSchema })
 * Paths may use koa style (`:id`) or OpenAPI style (`{id}`). The document is built on request from the
 * zod schemas with z.toJSONSchema and served at GET /api/v1/openapi.json (no key needed).
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
}

const operations = new Map<string, ApiOperation>();

const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]\w*)/g, '{$1}');

export function registerOperation(op: ApiOperation): void {
  const key = `${op.method} ${toOpenApiPath(op.path)}`;
  if (operations.has(key)) throw new Error(`API operation ${key} registered twice`);
  operations.set(key, op);
}

export const registeredOperations = (): ApiOperation[] => [...operations.values()];

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

export function buildOpenApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const sorted = [...operations.values()].sort((a, b) => toOpenApiPath(a.path).localeCompare(toOpenApiPath(b.path)) || a.method.localeCompare(b.method));
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
      ...(op.request ? { requestBody: { required: true, content: { 'application/json': { schema: schemaOf(op.request, 'input') } } } } : {}),
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
    info: { title: 'CRM integration API', version: '1.0.0', description: 'Bearer API keys (`npm run crm -- apikey create --name N`). Lists use keyset pagination: pass `nextCursor` back as `cursor`.' },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { apiKey: { type: 'http', scheme: 'bearer', description: 'API key created with the CLI' } },
      schemas: { Error: errorSchema },
    },
    security: [{ apiKey: [] }],
    paths,
  };
}

registerOperation({ method: 'get', path: '/api/v1/openapi.json', summary: 'This OpenAPI document', tags: ['meta'], public: true });

export const openApiRouter: RouterFactory = () => {
  const r = new Router();
  let cached: Record<string, unknown> | null = null;
  let cachedCount = -1;
  r.get('/api/v1/openapi.json', (ctx) => {
    if (!cached || cachedCount !== operations.size) {
      cached = buildOpenApiDocument();
      cachedCount = operations.size;
    }
    ctx.body = cached;
  });
  return r;
};
