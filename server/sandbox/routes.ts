import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { PassThrough } from 'node:stream';
import { randomBytes } from 'node:crypto';
import Router from '@koa/router';
import type Koa from 'koa';
import { z } from 'zod';
import { AppError } from '../../core/errors';
import { parseInput } from '../../core/validation';
import type { CoreContext } from '../../core/context';
import type { RouterFactory } from '../app';
import { jsonBody } from '../app';
import { cardActionEvent, messageEvent, signedRequest } from './lark/events';
import { SandboxHub, p2pChatOf, type StreamEvent, type StreamMessage } from './hub';
import { isLoopback } from './mode';
import { sandboxPeople, type Sandbox, type SandboxPerson } from './index';
import { STATIC_TYPES } from '../http/static';

/** H4's page, built by esbuild (server/sandbox/page/ → this gitignored folder): index.html + its assets. */
export const SANDBOX_PAGE_DIST = path.resolve(__dirname, 'page/dist');

/**
 * H4's page builder (scripts/ensure-sandbox.js: builds server/sandbox/page/dist/index.html when missing or older than
 * its sources; cheap when up to date), called before the page is first served so a server started without
 * `npm start` (tests, `tsx server/main.ts`) serves a built page. Absent (not merged yet): the placeholder is served.
 */
function ensurePage(): void {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(path.resolve(__dirname, '../../scripts/ensure-sandbox.js')) as { ensureSandboxPage?: (o?: { log?: (m: string) => void }) => unknown };
    mod.ensureSandboxPage?.({ log: () => undefined });
  } catch {
    // no builder, or the build failed: the page (or the placeholder) is served as it is
  }
}

/** Every /sandbox path (the page, its assets, the API). */
const SANDBOX_PATHS = /^\/sandbox(?:\/.*)?$/;

const MAX_TEXT = 4_000;

const openId = z.string().min(1).max(64);
const record = z.record(z.string(), z.unknown());

const messageBody = z.object({
  as: openId,
  text: z.string().trim().min(1).max(MAX_TEXT),
  /** 'p2p' (default): the person's chat with the bot; else a sandbox group chat id. */
  chat: z.string().min(1).max(64).optional(),
});

const actionBody = z.object({
  as: openId,
  messageId: z.string().min(1).max(64),
  value: record,
  tag: z.string().min(1).max(32).default('button'),
  name: z.string().min(1).max(64).optional(),
  formValue: record.optional(),
  option: z.string().max(256).optional(),
});

/** 404 for every /sandbox path: the sandbox is off (a Lark app is configured and CRM_SANDBOX is not on, or CRM_SANDBOX=off). */
export function sandboxOffRouter(): RouterFactory {
  return () => {
    const router = new Router();
    router.all(SANDBOX_PATHS, () => {
      throw new AppError('NOT_FOUND', { detail: { 'zh-CN': '沙盒未开启', en: 'The sandbox is off' } });
    });
    return router;
  };
}

/**
 * GET /sandbox (the page), GET /sandbox/api/people, GET /sandbox/api/chats, POST /sandbox/api/messages,
 * POST /sandbox/api/actions, GET /sandbox/api/stream?as=<open_id> (server-sent events).
 * Loopback clients only unless CRM_SANDBOX=on (the peer address, and with a trusted proxy the forwarded one too).
 */
export function sandboxRouter(sandbox: Sandbox, opts: { pageDir?: string } = {}): RouterFactory {
  return ({ core, logger }) => {
    const router = new Router();
    const pageDir = opts.pageDir ?? SANDBOX_PAGE_DIST;
    const people = peopleCache(core);
    let ensured = false;
    const streams = new Set<PassThrough>();
    sandbox.endStreams = () => {
      for (const s of streams) s.end();
      streams.clear();
    };

    router.all(SANDBOX_PATHS, async (ctx, next) => {
      // This machine only: the peer, the forwarded client (behind a trusted proxy) and the Host the browser asked for
      // (a page of another site whose name was rebound to 127.0.0.1 sends its own name: DNS rebinding).
      if (!sandbox.mode.allowRemote && !(isLoopback(ctx.req.socket.remoteAddress) && isLoopback(ctx.ip) && isLocalHostName(ctx.hostname))) {
        logger.warn({ ip: ctx.ip, peer: ctx.req.socket.remoteAddress, host: ctx.hostname, path: ctx.path }, 'sandbox request from another machine refused');
        throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '沙盒只对本机开放（CRM_SANDBOX=on 才对其他机器开放）', en: 'The sandbox answers this machine only (CRM_SANDBOX=on opens it to others)' } });
      }
      ctx.set('Cache-Control', 'no-store');
      await next();
    });

    router.get('/sandbox/api/people', async (ctx) => {
      ctx.body = await people.list();
    });

    router.get('/sandbox/api/chats', async (ctx) => {
      const me = await people.require(String(ctx.query.as ?? ''));
      ctx.body = [
        { chatId: p2pChatOf(me.openId), type: 'p2p', name: 'CRM 助手 · CRM bot' },
        ...sandbox.hub.groups.filter((g) => sandbox.hub.sees(me.openId, g.chatId)).map((g) => ({ chatId: g.chatId, type: 'group', name: g.name })),
      ];
    });

    router.post('/sandbox/api/messages', jsonBody(), async (ctx) => {
      const input = parseInput(messageBody, ctx.request.body ?? {});
      const me = await people.require(input.as);
      const group = input.chat && input.chat !== 'p2p' ? sandbox.hub.groups.find((g) => g.chatId === input.chat) : null;
      if (input.chat && input.chat !== 'p2p' && (!group || !sandbox.hub.sees(me.openId, group.chatId))) {
        throw new AppError('VALIDATION', { field: 'chat', detail: { 'zh-CN': '没有这个群', en: 'No such chat' } });
      }
      const chatId = group ? group.chatId : p2pChatOf(me.openId);
      const messageId = `om_${randomBytes(12).toString('hex')}`;
      const now = new Date();
      // In a group the bot hears only what @mentions it (as in Lark): the sandbox adds the mention.
      const mentions = group ? [{ key: '@_user_1', id: { open_id: 'ou_sandbox_bot' }, name: 'CRM' }] : [];
      const env = messageEvent({
        openId: me.openId,
        text: group ? `@_user_1 ${input.text}` : input.text,
        chatId,
        chatType: group ? 'group' : 'p2p',
        mentions,
        messageId,
        createTime: now,
        appId: sandbox.appId,
      });
      sandbox.hub.echo({ messageId, chatId, receiveId: chatId, msgType: 'text', content: { text: input.text }, at: now.getTime(), replyTo: null, sender: me.openId });
      const res = await deliver(ctx, sandbox, env);
      if (res.status !== 200) throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': `/lark/events 回答了 ${res.status}`, en: `/lark/events answered ${res.status}` } });
      ctx.body = { eventId: env.header.event_id, messageId };
    });

    router.post('/sandbox/api/actions', jsonBody(), async (ctx) => {
      const input = parseInput(actionBody, ctx.request.body ?? {});
      const me = await people.require(input.as);
      const msg = sandbox.api.message(input.messageId);
      if (!msg || msg.msgType !== 'interactive' || !sandbox.hub.sees(me.openId, SandboxHub.chatOf(msg))) {
        throw new AppError('VALIDATION', { field: 'messageId', detail: { 'zh-CN': '没有这张卡片', en: 'No such card' } });
      }
      const env = cardActionEvent({
        openId: me.openId,
        value: input.value,
        tag: input.tag,
        name: input.name,
        option: input.option,
        formValue: input.formValue,
        timezone: core.timezone,
        messageId: msg.messageId,
        chatId: SandboxHub.chatOf(msg),
        appId: sandbox.appId,
      });
      const res = await deliver(ctx, sandbox, env);
      if (res.status !== 200) throw new AppError('UNAVAILABLE', { detail: { 'zh-CN': `/lark/events 回答了 ${res.status}`, en: `/lark/events answered ${res.status}` } });
      const answer = (res.body && typeof res.body === 'object' ? res.body : {}) as { toast?: unknown; card?: { type?: string; data?: Record<string, unknown> } };
      if (answer.card?.type === 'raw' && answer.card.data) {
        // Lark's client replaces the clicked card with the answer's card; an invalid one is error 200673, the old card stays.
        const applied = sandbox.api.applyCard(msg.messageId, answer.card.data);
        if (!applied.ok) {
          ctx.body = { toast: { type: 'error', content: 'Lark error 200673: the card in the answer breaks the Card JSON 2.0 rules' }, refused: applied.violations };
          return;
        }
      }
      ctx.body = answer;
    });

    router.get('/sandbox/api/stream', async (ctx) => {
      const me = await people.require(String(ctx.query.as ?? ''));
      const out = new PassThrough();
      streams.add(out);
      const write = (e: StreamEvent | { type: 'message'; data: StreamMessage }) => out.write(`event: ${e.type}\ndata: ${JSON.stringify(e.data)}\n\n`);
      out.write(`retry: 1000\n\n`);
      for (const m of sandbox.hub.history(me.openId)) write({ type: 'message', data: m });
      out.write(`event: ready\ndata: {}\n\n`);
      const unfollow = sandbox.hub.follow(me.openId, write);
      const beat = setInterval(() => out.write(': keep-alive\n\n'), 15_000);
      const stop = () => {
        clearInterval(beat);
        unfollow();
        streams.delete(out);
        out.end();
      };
      ctx.req.on('close', stop);
      out.on('close', stop);
      ctx.req.socket.setTimeout(0);
      ctx.req.socket.setNoDelay(true);
      ctx.status = 200;
      ctx.type = 'text/event-stream; charset=utf-8';
      ctx.set('Cache-Control', 'no-cache, no-transform');
      ctx.set('X-Accel-Buffering', 'no');
      ctx.body = out;
    });

    router.get(SANDBOX_PATHS, async (ctx) => {
      if (ctx.path.startsWith('/sandbox/api/')) throw new AppError('NOT_FOUND', { detail: { 'zh-CN': '没有这个接口', en: 'No such route' } });
      if (!ensured && !opts.pageDir) {
        ensured = true;
        ensurePage();
      }
      await servePage(ctx, pageDir);
    });

    return router;
  };
}

/** A Host naming this machine: localhost (and *.localhost), a loopback address, or none (HTTP/1.0). */
export function isLocalHostName(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === '' || h === 'localhost' || h.endsWith('.localhost') || isLoopback(h);
}

/** Signs + encrypts like Lark and POSTs to this process's own /lark/events (the address the request came in on). */
async function deliver(ctx: Koa.Context, sandbox: Sandbox, env: Record<string, unknown>): Promise<{ status: number; body: unknown }> {
  const { headers, raw } = signedRequest(env, sandbox.secrets);
  const local = (ctx.req.socket.localAddress ?? '127.0.0.1').replace(/^::ffff:/i, '');
  const host = local.includes(':') ? `[${local}]` : local;
  const res = await fetch(`http://${host}:${ctx.req.socket.localPort}/lark/events`, { method: 'POST', headers, body: raw });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = text;
  }
  return { status: res.status, body };
}

function peopleCache(core: CoreContext) {
  let cached: { at: number; list: SandboxPerson[] } | null = null;
  const list = async () => {
    if (!cached || Date.now() - cached.at > 2_000) cached = { at: Date.now(), list: await sandboxPeople(core) };
    return cached.list;
  };
  return {
    list,
    async require(as: string): Promise<SandboxPerson> {
      const p = as ? (await list()).find((x) => x.openId === as) : undefined;
      if (!p) throw new AppError('VALIDATION', { field: 'as', detail: { 'zh-CN': '沙盒里没有这个人', en: 'No such person in the sandbox' } });
      return p;
    },
  };
}

const PLACEHOLDER = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>CRM 沙盒 · Sandbox</title></head>
<body><h1>CRM 沙盒 · Sandbox</h1><p>页面尚未构建。The sandbox page is not built yet.</p>
<p>API: <code>GET /sandbox/api/people</code>, <code>POST /sandbox/api/messages</code>, <code>POST /sandbox/api/actions</code>, <code>GET /sandbox/api/stream?as=&lt;open_id&gt;</code></p></body></html>`;

async function servePage(ctx: Koa.Context, root: string): Promise<void> {
  const rel = ctx.path === '/sandbox' || ctx.path === '/sandbox/' ? 'index.html' : ctx.path.slice('/sandbox/'.length);
  let decoded: string;
  try {
    decoded = decodeURIComponent(rel);
  } catch {
    throw new AppError('NOT_FOUND');
  }
  const file = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (!file.startsWith(root + path.sep)) throw new AppError('NOT_FOUND');
  let body: Buffer;
  try {
    body = await fs.promises.readFile(file);
  } catch {
    if (rel === 'index.html') {
      ctx.type = STATIC_TYPES['.html'];
      ctx.body = PLACEHOLDER;
      return;
    }
    throw new AppError('NOT_FOUND');
  }
  const ext = path.extname(file).toLowerCase();
  ctx.type = STATIC_TYPES[ext] ?? 'application/octet-stream';
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.vary('Accept-Encoding');
  if (['.html', '.js', '.css', '.json', '.svg', '.map'].includes(ext) && body.length > 1024 && ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
    ctx.set('Content-Encoding', 'gzip');
    ctx.body = zlib.gzipSync(body);
  } else {
    ctx.body = body;
  }
}
