/**
 * A Lark-compatible Open API in the process: the sandbox's "Lark" (server/sandbox/) and the tests' fake
 * (tests/helpers/fake-lark.ts re-exports it as FakeLark). It listens on 127.0.0.1 only, keeps what it is sent in
 * memory and never calls anything outside the process. It is strict: it refuses what Lark refuses.
 *
 * ## The fake Open API
 *   const lark = await LarkOpenApi.start();          // (FakeLark in tests) http://127.0.0.1:<port>; pass lark.url as LARK_DOMAIN
 *   const client = lark.client();                   // a real @larksuiteoapi/node-sdk Client pointed at it (own token cache, silent logger)
 *   lark.env()                                      // {LARK_APP_ID, LARK_APP_SECRET, LARK_DOMAIN} for testApp/startServer env
 *   ... run the outbox worker (bot/outbox/worker.ts) with { client } or LARK_DOMAIN=lark.url ...
 *   lark.messages                                   // delivered messages, one per uuid: {messageId, uuid, receiveIdType, receiveId, msgType, content (parsed), updates[], replyTo}
 *   lark.messagesTo('ou_x')                         // filtered by receive_id
 *   lark.stats                                      // {requests, sent, duplicateUuids, patched, replied, rateLimited (real limit hits), injected}
 *   await lark.close();
 * Endpoints: POST /open-apis/auth/v3/tenant_access_token/internal, POST /open-apis/im/v1/messages?receive_id_type=…,
 * POST /open-apis/im/v1/messages/:id/reply, PATCH /open-apis/im/v1/messages/:id (and GET /open-apis/im/v1/messages/:id).
 * Real rules enforced: Bearer token required; `content` must be a JSON string; cards ≤ 30 KB; every card (send, reply,
 * PATCH) must pass the documented Card JSON 2.0 rules (./card) — else the whole card is refused with
 * HTTP 400, code 230099 "Failed to create card content, ext=ErrCode: …; ErrPath: …" as Lark does, nothing is delivered,
 * and the refusal is kept in `lark.invalidCards` (its `violations` say what broke which rule); a repeated `uuid`
 * returns the first message (no second delivery); rate limits per aligned wall-clock second: 50/s per app (sends+replies),
 * 5/s per receiver (receive_id or replied-to chat), 5/s per patched message → HTTP 429, code 99991400,
 * header `x-ogw-ratelimit-reset` (seconds). Limits are options of start().
 *   lark.subscribe((e) => …)                        // every delivery as it happens: {type: 'message', message} | {type: 'update', message, content}
 *   lark.applyCard(messageId, card)                 // a card-callback answer's card replaces the message's card (as Lark's client does)
 * Failure injection:
 *   lark.inject({ rate: 0.3, kinds: ['5xx', '429', 'lost'] })  // random share of send/reply/patch requests fail
 *       '5xx'  → 500 before delivery; '429' → 429 with reset header before delivery;
 *       'lost' → delivered, but answered 502 (the response is lost: a retry must reuse the uuid)
 *   lark.failNext(n, '5xx' | '429' | 'lost')                  // the next n requests fail that way
 *   lark.rejectReceiver('oc_x', 230002, 'Bot is not in the chat')  // permanent 400 for that receiver
 *   lark.setLatency(ms)                                         // delay each API answer
 *
 * ## Callbacks to our routes
 * ./events.ts builds them (messageEvent, cardActionEvent, legacyCardBody) and signs + encrypts them like Lark
 * (signedRequest); tests/helpers/fake-lark.ts adds the supertest posting helpers (postEvent, postLegacyCard).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes, randomUUID } from 'node:crypto';
import * as lark from '@larksuiteoapi/node-sdk';
import { cardRejection, validateCard, type Violation } from './card';
import { FakeDirectory } from './contact';

export interface FakeMessage {
  messageId: string;
  uuid: string | null;
  receiveIdType: string;
  receiveId: string;
  msgType: string;
  content: Record<string, unknown>;
  /** Contents applied by PATCH, in order. */
  updates: Record<string, unknown>[];
  replyTo: string | null;
  at: number;
}

const noop = () => undefined;
/** The SDK logs through console by default; tests keep it quiet. */
export const silentSdkLogger = { error: noop, warn: noop, info: noop, debug: noop, trace: noop };

export type FailureKind = '5xx' | '429' | 'lost';

export interface FakeLarkOptions {
  appId?: string;
  appSecret?: string;
  appLimit?: number;
  receiverLimit?: number;
  patchLimit?: number;
  latencyMs?: number;
  /** Keep at most this many messages (oldest forgotten; the sandbox runs for days). Default: all (tests read them). */
  maxMessages?: number;
}

interface Stats {
  requests: number;
  sent: number;
  duplicateUuids: number;
  patched: number;
  replied: number;
  /** 429s caused by exceeding the real limits (not injected). */
  rateLimited: number;
  injected: number;
  tokens: number;
  /** Cards refused for breaking the Card JSON 2.0 rules (230099). */
  invalidCards: number;
}

export interface RefusedCard {
  op: 'send' | 'reply' | 'patch';
  content: Record<string, unknown>;
  violations: Violation[];
  answer: { code: number; msg: string };
}

/** What the API delivers, as it happens (the sandbox's stream reads it). */
export type DeliveryEvent = { type: 'message'; message: FakeMessage } | { type: 'update'; message: FakeMessage; content: Record<string, unknown> };

export class LarkOpenApi {
  readonly appId: string;
  readonly appSecret: string;
  url = '';
  readonly messages: FakeMessage[] = [];
  stats: Stats = { requests: 0, sent: 0, duplicateUuids: 0, patched: 0, replied: 0, rateLimited: 0, injected: 0, tokens: 0, invalidCards: 0 };
  /** Cards refused by the Card JSON 2.0 rules, in order. */
  readonly invalidCards: RefusedCard[] = [];
  private server!: http.Server;
  private readonly byUuid = new Map<string, FakeMessage>();
  private readonly byId = new Map<string, FakeMessage>();
  private readonly tokens = new Set<string>();
  private readonly windows = new Map<string, { sec: number; n: number }>();
  private injection: { rate: number; kinds: FailureKind[] } | null = null;
  private queued: FailureKind[] = [];
  private readonly rejected = new Map<string, { code: number; msg: string }>();
  private latency: number;
  private readonly listeners = new Set<(e: DeliveryEvent) => void>();
  /** The Contact API and app info (./contact.ts): the company directory the app can read. */
  contact!: FakeDirectory;
  private readonly opts: Required<Omit<FakeLarkOptions, 'latencyMs' | 'maxMessages'>>;
  private readonly maxMessages: number;

  private constructor(o: FakeLarkOptions) {
    this.opts = { appId: o.appId ?? 'cli_fake', appSecret: o.appSecret ?? 'fake-secret', appLimit: o.appLimit ?? 50, receiverLimit: o.receiverLimit ?? 5, patchLimit: o.patchLimit ?? 5 };
    this.appId = this.opts.appId;
    this.appSecret = this.opts.appSecret;
    this.latency = o.latencyMs ?? 0;
    this.maxMessages = o.maxMessages ?? Infinity;
    this.contact = new FakeDirectory(this.opts.appId);
  }

  static async start(o: FakeLarkOptions = {}): Promise<LarkOpenApi> {
    const f = new LarkOpenApi(o);
    f.server = http.createServer((req, res) => void f.handle(req, res));
    f.server.keepAliveTimeout = 1000;
    await new Promise<void>((r) => f.server.listen(0, '127.0.0.1', () => r()));
    f.url = `http://127.0.0.1:${(f.server.address() as AddressInfo).port}`;
    return f;
  }

  /** A real SDK client pointed at the fake, with its own token cache. */
  client(): lark.Client {
    return new lark.Client({ appId: this.appId, appSecret: this.appSecret, domain: this.url, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.fatal, logger: silentSdkLogger });
  }

  /** Environment for the real server/config pointing at this fake. */
  env(): Record<string, string> {
    return { LARK_APP_ID: this.appId, LARK_APP_SECRET: this.appSecret, LARK_DOMAIN: this.url };
  }

  inject(o: { rate: number; kinds?: FailureKind[] } | null): void {
    this.injection = o ? { rate: o.rate, kinds: o.kinds ?? ['5xx', '429'] } : null;
  }

  failNext(n: number, kind: FailureKind): void {
    for (let i = 0; i < n; i++) this.queued.push(kind);
  }

  rejectReceiver(receiveId: string, code = 230002, msg = 'Bot is not in the chat'): void {
    this.rejected.set(receiveId, { code, msg });
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  /** Calls `fn` for every message delivered and every card updated from now on; returns the unsubscribe. */
  subscribe(fn: (e: DeliveryEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** A delivered message by id. */
  message(messageId: string): FakeMessage | undefined {
    return this.byId.get(messageId);
  }

  /**
   * A card-callback answer's `card` replaces the clicked card on the user's screen (Lark's client does this, not the
   * Open API): recorded as an update of the message. Refused (returns the violations) when it breaks the Card JSON
   * 2.0 rules — Lark would show error 200673 and keep the old card.
   */
  applyCard(messageId: string, card: Record<string, unknown>): { ok: true } | { ok: false; violations: Violation[] } {
    const target = this.byId.get(messageId);
    if (!target || target.msgType !== 'interactive') return { ok: false, violations: [] };
    const violations = validateCard(card);
    if (violations.length) return { ok: false, violations };
    target.updates.push(card);
    this.emit({ type: 'update', message: target, content: card });
    return { ok: true };
  }

  private emit(e: DeliveryEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a listener's failure is its own (a closed stream); delivery goes on
      }
    }
  }

  messagesTo(receiveId: string): FakeMessage[] {
    return this.messages.filter((m) => m.receiveId === receiveId);
  }

  reset(): void {
    this.messages.length = 0;
    this.byUuid.clear();
    this.byId.clear();
    this.windows.clear();
    this.injection = null;
    this.queued = [];
    this.rejected.clear();
    this.invalidCards.length = 0;
    this.stats = { requests: 0, sent: 0, duplicateUuids: 0, patched: 0, replied: 0, rateLimited: 0, injected: 0, tokens: 0, invalidCards: 0 };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private take(key: string, limit: number): number | null {
    const now = Date.now();
    const sec = Math.floor(now / 1000);
    const w = this.windows.get(key);
    if (!w || w.sec !== sec) {
      this.windows.set(key, { sec, n: 1 });
      return null;
    }
    if (w.n >= limit) return Math.max(1, Math.ceil((sec + 1) * 1000 - now) / 1000);
    w.n++;
    return null;
  }

  private nextFailure(): FailureKind | null {
    if (this.queued.length) return this.queued.shift()!;
    if (this.injection && Math.random() < this.injection.rate) return this.injection.kinds[Math.floor(Math.random() * this.injection.kinds.length)];
    return null;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    if (this.latency) await new Promise((r) => setTimeout(r, this.latency));
    const url = new URL(req.url ?? '/', this.url);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      if (res.destroyed) return;
      res.writeHead(status, { 'content-type': 'application/json', ...headers });
      res.end(JSON.stringify(body));
    };
    let body: Record<string, unknown> = {};
    try {
      body = chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
    } catch {
      return send(400, { code: 9499, msg: 'bad json' });
    }
    this.stats.requests++;
    if (req.method === 'POST' && url.pathname === '/open-apis/auth/v3/tenant_access_token/internal') {
      if (body.app_id !== this.appId || body.app_secret !== this.appSecret) return send(200, { code: 10014, msg: 'app secret invalid' });
      const token = `t-${randomBytes(8).toString('hex')}`;
      this.tokens.add(token);
      this.stats.tokens++;
      return send(200, { code: 0, msg: 'ok', tenant_access_token: token, expire: 7200 });
    }
    const auth = String(req.headers.authorization ?? '');
    if (!this.tokens.has(auth.replace(/^Bearer /, ''))) return send(401, { code: 99991663, msg: 'Invalid access token for authorization' });

    const directory = this.contact.handle(String(req.method), url);
    if (directory) return send(directory.status, directory.body, directory.headers);
    const m = /^\/open-apis\/im\/v1\/messages(?:\/([^/]+))?(\/reply)?$/.exec(url.pathname);
    if (!m) return send(404, { code: 404, msg: 'not found' });
    const [, id, reply] = m;
    if (req.method === 'GET' && id) {
      const msg = this.byId.get(id);
      return msg ? send(200, { code: 0, data: { items: [{ message_id: id, body: { content: JSON.stringify(msg.updates.at(-1) ?? msg.content) } }] } }) : send(400, { code: 230011, msg: 'message not found' });
    }

    const isPatch = req.method === 'PATCH' && id && !reply;
    const isSend = req.method === 'POST' && !id;
    const isReply = req.method === 'POST' && id && reply;
    if (!isPatch && !isSend && !isReply) return send(405, { code: 405, msg: 'method' });

    // Validate the request like Lark does.
    const contentStr = body.content;
    if (typeof contentStr !== 'string') return send(400, { code: 230001, msg: 'content must be a JSON string' });
    let content: Record<string, unknown>;
    try {
      content = JSON.parse(contentStr);
    } catch {
      return send(400, { code: 230001, msg: 'content is not JSON' });
    }
    const msgType = isPatch ? 'interactive' : String(body.msg_type ?? '');
    if ((msgType === 'interactive' && Buffer.byteLength(contentStr) > 30 * 1024) || Buffer.byteLength(contentStr) > 150 * 1024) return send(400, { code: 230025, msg: 'message content too long' });
    if (msgType === 'interactive') {
      // Card JSON 2.0 refuses the whole card when one property breaks its documented rules (230099, sub-code 11310/200861).
      const violations = validateCard(content);
      if (violations.length) {
        const { status, code, msg } = cardRejection(violations);
        this.stats.invalidCards++;
        this.invalidCards.push({ op: isPatch ? 'patch' : isReply ? 'reply' : 'send', content, violations, answer: { code, msg } });
        return send(status, { code, msg, error: { log_id: `fake${randomBytes(8).toString('hex')}` } });
      }
    }

    let receiverKey: string;
    let target: FakeMessage | undefined;
    if (isPatch || isReply) {
      target = this.byId.get(id!);
      if (!target) return send(400, { code: 230011, msg: 'message not found' });
      receiverKey = isPatch ? `msg:${id}` : `r:${target.receiveId}`;
      if (isPatch && target.msgType !== 'interactive') return send(400, { code: 230001, msg: 'only cards can be patched' });
    } else {
      const receiveIdType = url.searchParams.get('receive_id_type');
      if (!receiveIdType || typeof body.receive_id !== 'string') return send(400, { code: 230001, msg: 'receive_id_type and receive_id required' });
      receiverKey = `r:${body.receive_id}`;
      const rej = this.rejected.get(body.receive_id);
      if (rej) return send(400, { code: rej.code, msg: rej.msg });
    }

    // Real rate limits (checked before injected failures: a request Lark rejects still counts).
    const appReset = isPatch ? null : this.take('app', this.opts.appLimit);
    const rcvReset = appReset === null ? this.take(receiverKey, isPatch ? this.opts.patchLimit : this.opts.receiverLimit) : null;
    const reset = appReset ?? rcvReset;
    if (reset !== null) {
      this.stats.rateLimited++;
      return send(429, { code: 99991400, msg: 'request trigger frequency limit' }, { 'x-ogw-ratelimit-limit': '50', 'x-ogw-ratelimit-reset': String(Math.ceil(reset)) });
    }

    const failure = this.nextFailure();
    if (failure === '5xx') {
      this.stats.injected++;
      return send(500, { code: 1000, msg: 'internal error (injected)' });
    }
    if (failure === '429') {
      this.stats.injected++;
      return send(429, { code: 99991400, msg: 'request trigger frequency limit (injected)' }, { 'x-ogw-ratelimit-reset': '1' });
    }

    let result: FakeMessage;
    if (isPatch) {
      target!.updates.push(content);
      this.stats.patched++;
      result = target!;
      this.emit({ type: 'update', message: target!, content });
    } else {
      const uuid = typeof body.uuid === 'string' && body.uuid ? body.uuid : null;
      const seen = uuid ? this.byUuid.get(uuid) : undefined;
      if (seen) {
        this.stats.duplicateUuids++;
        result = seen;
      } else {
        result = {
          messageId: `om_${randomUUID().replace(/-/g, '')}`,
          uuid,
          receiveIdType: isReply ? 'reply' : String(url.searchParams.get('receive_id_type')),
          receiveId: isReply ? target!.receiveId : String(body.receive_id),
          msgType,
          content,
          updates: [],
          replyTo: isReply ? id! : null,
          at: Date.now(),
        };
        this.messages.push(result);
        while (this.messages.length > this.maxMessages) {
          const old = this.messages.shift()!;
          this.byId.delete(old.messageId);
          if (old.uuid) this.byUuid.delete(old.uuid);
        }
        this.byId.set(result.messageId, result);
        if (uuid) this.byUuid.set(uuid, result);
        if (isReply) this.stats.replied++;
        else this.stats.sent++;
        this.emit({ type: 'message', message: result });
      }
    }
    if (failure === 'lost') {
      this.stats.injected++;
      return send(502, { code: 1000, msg: 'bad gateway (injected, after delivery)' });
    }
    return send(200, { code: 0, msg: 'success', data: { message_id: result.messageId, msg_type: result.msgType, chat_id: result.receiveIdType === 'chat_id' ? result.receiveId : undefined } });
  }
}

