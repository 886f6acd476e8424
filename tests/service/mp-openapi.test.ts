import request from 'supertest';
import type Router from '@koa/router';
import { describeEachDb } from '../helpers/db';
import { testApp, testConfig, memoryLogger } from '../helpers/app';
import { mpRouter } from '../../server/mp/routes';
import { MP_OPERATIONS } from '../../server/mp/operations';
import { memoryStorage } from '../../core/tickets/storage';

/** The /mp/v1 OpenAPI document is the mini-program's contract: every route the router registers is in it, and nothing else. */
describeEachDb('/mp/v1 OpenAPI document', (h) => {
  it('lists exactly the routes mpRouter registers, with the request schemas the routes validate with', async () => {
    const router = (await mpRouter({ storage: memoryStorage() })({ core: h.ctx, config: testConfig(), logger: memoryLogger().logger })) as Router;
    const registered = new Set<string>();
    for (const layer of router.stack) {
      for (const m of layer.methods) if (m !== 'HEAD') registered.add(`${m.toLowerCase()} ${String(layer.path).replace(/:(\w+)/g, '{$1}')}`);
    }
    const { app } = await testApp(h.ctx, [mpRouter({ storage: memoryStorage() })]);
    const res = await request(app.callback()).get('/mp/v1/openapi.json');
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const documented = new Set<string>();
    for (const [path, ops] of Object.entries(res.body.paths as Record<string, Record<string, unknown>>)) for (const m of Object.keys(ops)) documented.add(`${m} ${path}`);
    expect([...documented].sort()).toEqual([...registered].sort());
    expect(MP_OPERATIONS.length).toBe(registered.size);
    // Bodies and queries come from the zod schemas: a new field shows up without being written twice.
    const comments = res.body.paths['/mp/v1/tickets/{id}/comments'].post;
    expect(comments.requestBody.content['application/json'].schema.properties.body).toMatchObject({ type: 'string', maxLength: 5000 });
    const create = res.body.paths['/mp/v1/tickets'].post.requestBody.content;
    expect(Object.keys(create).sort()).toEqual(['application/json', 'multipart/form-data']);
    expect(res.body.paths['/mp/v1/meta'].get.security).toEqual([]);
    expect(res.body.components.securitySchemes.session).toMatchObject({ type: 'http', scheme: 'bearer' });
  });
});
