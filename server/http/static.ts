import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Router from '@koa/router';
import type { RouterFactory } from '../app';

/** Where `npm run build:h5` writes the H5 mini-program. */
export const H5_DIST = path.resolve(__dirname, '../../miniapp/dist/h5');

/** Every GET except the API prefixes and the chat sandbox; their routers answer (or 404) those themselves. */
const NOT_API = /^(?!\/(?:api|mp|lark|healthz|sandbox)(?:\/|$))\/.*$/;

/** Content types of the static files the process serves (the H5 app, the sandbox page). */
export const STATIC_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.json', '.svg', '.txt', '.map']);

interface Cached {
  mtimeMs: number;
  body: Buffer;
  gzip: Buffer | null;
}

/**
 * Serves the built H5 app at `/` with an SPA fallback: a GET for a path without a file extension answers
 * index.html (the browser router owns those paths); a missing asset is a 404. Hashed assets are cached for a
 * year, index.html is revalidated. Files are read once and kept (gzipped when worth it) in memory.
 * Mount it LAST (server/compose.ts) so it can never shadow an API route.
 */
export function h5StaticRouter(root: string = H5_DIST): RouterFactory {
  return () => {
    const router = new Router();
    const cache = new Map<string, Cached>();

    const load = async (file: string): Promise<Cached | null> => {
      let stat: fs.Stats;
      try {
        stat = await fs.promises.stat(file);
      } catch {
        return null;
      }
      if (!stat.isFile()) return null;
      const hit = cache.get(file);
      if (hit && hit.mtimeMs === stat.mtimeMs) return hit;
      const body = await fs.promises.readFile(file);
      const ext = path.extname(file).toLowerCase();
      const gzip = COMPRESSIBLE.has(ext) && body.length > 1024 ? zlib.gzipSync(body, { level: 9 }) : null;
      const entry = { mtimeMs: stat.mtimeMs, body, gzip };
      cache.set(file, entry);
      return entry;
    };

    router.get(NOT_API, async (ctx) => {
      let rel: string;
      try {
        rel = decodeURIComponent(ctx.path);
      } catch {
        ctx.status = 400;
        ctx.body = { error: { code: 'VALIDATION', message: 'bad path' } };
        return;
      }
      const resolved = path.resolve(root, '.' + path.posix.normalize(rel));
      if (resolved !== root && !resolved.startsWith(root + path.sep)) {
        ctx.status = 404;
        return;
      }
      const hasExt = path.extname(rel) !== '';
      let file = resolved;
      let entry = rel === '/' ? null : await load(file);
      if (!entry) {
        if (hasExt) {
          ctx.status = 404;
          ctx.body = { error: { code: 'NOT_FOUND', message: 'not found' } };
          return;
        }
        file = path.join(root, 'index.html');
        entry = await load(file);
        if (!entry) {
          ctx.status = 503;
          ctx.type = 'text/plain; charset=utf-8';
          ctx.body = 'The H5 mini-program is not built yet: run `npm run build:h5`.\n';
          return;
        }
      }
      const ext = path.extname(file).toLowerCase();
      ctx.type = STATIC_TYPES[ext] ?? 'application/octet-stream';
      ctx.set('Cache-Control', ext === '.html' ? 'no-cache' : /\.[0-9a-f]{8}\./.test(file) ? 'public, max-age=31536000, immutable' : 'public, max-age=3600');
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.vary('Accept-Encoding');
      if (entry.gzip && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
        ctx.set('Content-Encoding', 'gzip');
        ctx.body = entry.gzip;
      } else {
        ctx.body = entry.body;
      }
    });
    return router;
  };
}
