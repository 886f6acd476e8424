/**
 * Child process: the baselines. A bare koa app (same koa + @koa/router as the product, nothing else):
 * `GET /bare` answers constant JSON; `GET /sql/<name>?…` runs the configured statements through the raw
 * driver (mysql2 pool on MySQL, one sqlite3 handle on SQLite) and answers their rows.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import mysql from 'mysql2/promise';
import sqlite3 from 'sqlite3';
import { dialectOf, sqliteStorage } from '../../core/db/connection';
import type { BaselineQuery } from '../types';
import { peakRssMb, serve } from './child';

type Exec = (sql: string, params: unknown[]) => Promise<unknown[]>;

/** `batch`: several statements in one packet, one result set each (MySQL; elsewhere undefined). */
function rawDriver(url: string): { exec: Exec; batch?: (qs: { sql: string; params: unknown[] }[]) => Promise<unknown[]>; close(): Promise<void> } {
  if (dialectOf(url) === 'mysql') {
    // Same pool size as the product's Sequelize pool (core/db/connection.ts); the multi-statement pool for batched
    // routes is the product's batch pool's size.
    const opts = { uri: url.replace(/^mariadb:/, 'mysql:'), connectionLimit: 10, timezone: 'Z', supportBigNumbers: true };
    const pool = mysql.createPool(opts);
    const multi = mysql.createPool({ ...opts, multipleStatements: true });
    return {
      exec: async (sql, params) => (await pool.query(sql, params))[0] as unknown[],
      batch: async (qs) => (await multi.query(qs.map((q) => q.sql).join(';\n'), qs.flatMap((q) => q.params)))[0] as unknown[],
      close: async () => {
        await Promise.all([pool.end(), multi.end()]);
      },
    };
  }
  const db = new sqlite3.Database(sqliteStorage(url));
  db.configure('busyTimeout', 10_000);
  db.exec('PRAGMA journal_mode=WAL;');
  return {
    exec: (sql, params) => new Promise((resolve, reject) => db.all(sql, params, (e, rows) => (e ? reject(e) : resolve(rows)))),
    close: () => new Promise((resolve) => db.close(() => resolve())),
  };
}

const coerce = (v: unknown): unknown => (typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v);

async function main(): Promise<void> {
  const routes = JSON.parse(process.env.BENCH_BASELINE_SQL ?? '{}') as Record<string, BaselineQuery[]>;
  const batched = new Set((process.env.BENCH_BASELINE_BATCHED ?? '').split(',').filter(Boolean));
  const parallel = new Set((process.env.BENCH_BASELINE_PARALLEL ?? '').split(',').filter(Boolean));
  const url = process.env.BENCH_DATABASE_URL;
  const driver = url && Object.keys(routes).length ? rawDriver(url) : null;
  const app = new Koa();
  const router = new Router();
  router.get('/bare', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/sql/:name', async (ctx) => {
    const queries = routes[ctx.params.name];
    if (!queries || !driver) {
      ctx.status = 404;
      return;
    }
    const params = (q: BaselineQuery) => (q.params ?? []).map((p) => coerce(ctx.query[p]));
    if (driver.batch && batched.has(ctx.params.name) && queries.length > 1) {
      ctx.body = { results: await driver.batch(queries.map((q) => ({ sql: q.sql, params: params(q) }))) };
      return;
    }
    if (parallel.has(ctx.params.name)) {
      ctx.body = { results: await Promise.all(queries.map((q) => driver.exec(q.sql, params(q)))) };
      return;
    }
    const results: unknown[] = [];
    for (const q of queries) results.push(await driver.exec(q.sql, params(q)));
    ctx.body = { results };
  });
  app.use(router.routes()).use(router.allowedMethods());
  const server = http.createServer(app.callback());
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  serve({
    rss: async () => ({ peakRssMb: peakRssMb() }),
    stop: async () => {
      server.closeAllConnections();
      server.close();
      await driver?.close();
      setImmediate(() => process.exit(0));
      return {};
    },
  });
  process.send?.({ type: 'ready', port: (server.address() as AddressInfo).port });
}

main().catch((e) => {
  process.stderr.write(`bench baseline failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
