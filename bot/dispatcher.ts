import * as lark from '@larksuiteoapi/node-sdk';
import { QueryTypes, type Transaction } from 'sequelize';
import type { CoreContext } from '../core/context';
import { isUniqueViolation, toDate } from '../core/db/connection';
import { isAppError } from '../core/errors';
import { parseMessage } from '../core/intent/parse';
import { DictionaryCache } from '../core/intent/dictionary-loader';
import type { CustomerDictionary } from '../core/intent/dictionary';
import { enqueueMessages, type OutboundMessage } from '../core/notifications/outbox';
import { findUserByOpenId, type UserDto } from '../core/users/operations';
import type { Logger } from 'pino';
import { userLocale } from '../core/users/directory';
import { withoutSecrets } from '../core/shared/secrets';
import { alreadyDone, claimActionKey, saveActionResult } from './actions';
import { errorText, errorToast } from './errors';
import { t as tr, toLocale, type Locale } from './i18n';
import { chatInputProblem, checkCardInput, isEnvelope, normalizeCardAction, normalizeMessage, storableJson, type LarkEnvelope, type NormalizedCardAction, type NormalizedChat } from './normalize';
import { nudgeOutbox } from './outbox/nudge';
import { sdkLogger } from './client';
import { composeBot } from './compose';
import { chatStages } from './handlers/opportunities';
import type { StageWords } from '../core/intent/opportunity';
import { defaultBotConfig, type BotConfig } from './config';
import type { BotRegistry } from './registry';
import type { CardActionResult, ChatCommand, ChatHandler, HandlerKit } from './types';
import { withTrace } from '../core/shared/trace';

/**
 * The one dispatcher behind both transports (webhook routes and LARK_MODE=ws):
 * - message events are recorded in `lark_inbox` by event_id (unique) before the acknowledgement and
 *   processed after it: handler + its outbox replies + marking the row done commit in ONE transaction;
 *   a duplicate event_id (sequential, concurrent, other process) is acknowledged and never processed twice;
 *   rows left pending by a crash are picked up by the inbox worker (bot/jobs.ts);
 * - card actions are answered synchronously ({toast, card}), idempotent per event_id and per `value.key`.
 */
export interface BotOptions {
  core: CoreContext;
  logger: Logger;
  /** What the handlers read (public URL, Lark app); default: no Lark app (defaultBotConfig). */
  config?: BotConfig;
  /** The intents, card actions and renderers this bot knows (default: composeBot()). */
  registry?: BotRegistry;
  /** Default locale (default: config.locale, else the core's); a user's own `locale` wins. */
  locale?: Locale;
  /** Max processing attempts for an event whose handler keeps failing with an unexpected error. */
  maxAttempts?: number;
  /** Events processed concurrently in-process after their acknowledgement (default 4). */
  maxConcurrent?: number;
  /** Intent lookup (default: the registry's). Tests substitute their own handlers here. */
  intentHandler?: (intent: string) => ChatHandler | undefined;
  /**
   * The process's customer dictionary (core/intent/dictionary-loader.ts), refreshed incrementally before a message
   * is read; default: one of its own over `core.db`. Each process keeps its own copy.
   */
  dictionary?: DictionaryCache;
}

/** Wire shape of a card action answer. */
export interface CardCallbackResponse {
  toast?: CardActionResult['toast'];
  card?: { type: 'raw'; data: Record<string, unknown> };
}

export type ProcessOutcome = 'done' | 'skipped' | 'retry' | 'failed' | 'missing';

const HEADER_KEYS = ['event_id', 'event_type', 'create_time', 'app_id', 'tenant_key'] as const;

/** The SDK's dispatcher hands handlers header+event flattened into one object; rebuild the envelope. */
export function unflatten(data: Record<string, unknown>): LarkEnvelope {
  const header: Record<string, unknown> = {};
  const event: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(data)) {
    if ((HEADER_KEYS as readonly string[]).includes(k)) header[k] = v;
    else if (k !== 'schema') event[k] = v;
  }
  return { schema: '2.0', header: header as LarkEnvelope['header'], event };
}

export function unknownSenderText(openId: string): string {
  const cmd = `npm run crm -- users add --open-id ${openId} --name <姓名/name> --role rep`;
  return (
    `您好！您还不是本 CRM 的用户，暂时无法为您查询或记录任何信息。请联系管理员把您加入应用的可用范围（通讯录同步：npm run crm -- users sync），或直接添加：\n${cmd}\n\n` +
    `Hello! You are not a user of this CRM yet, so I cannot show or record anything for you. Please ask an administrator to add you to the app's availability (directory sync: npm run crm -- users sync), or to add you directly:\n${cmd}`
  );
}

export class LarkBot {
  readonly core: CoreContext;
  readonly logger: Logger;
  readonly config: BotConfig;
  readonly registry: BotRegistry;
  readonly locale: Locale;
  private readonly maxAttempts: number;
  private readonly lookupIntent: (intent: string) => ChatHandler | undefined;
  private readonly inflight = new Set<Promise<unknown>>();
  private readonly maxConcurrent: number;
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private dispatcher: lark.EventDispatcher | null = null;
  private readonly dictionary: DictionaryCache;

  constructor(opts: BotOptions) {
    this.core = opts.core;
    this.logger = opts.logger;
    this.locale = opts.locale ?? opts.config?.locale ?? opts.core.locale;
    this.config = opts.config ?? defaultBotConfig(this.locale);
    this.registry = opts.registry ?? composeBot();
    this.maxAttempts = opts.maxAttempts ?? 5;
    this.lookupIntent = opts.intentHandler ?? this.registry.intentHandler;
    this.maxConcurrent = opts.maxConcurrent ?? 4;
    this.dictionary = opts.dictionary ?? new DictionaryCache(opts.core.db, 0);
  }

  private localeOf(user: UserDto | null, raw?: string | null): Locale {
    return toLocale(raw ?? null, this.locale) ?? this.locale;
  }

  /**
   * Records an event in the inbox. Returns its row id, or `duplicate: true` when the event_id was seen.
   * Only this runs before the acknowledgement.
   */
  async record(env: LarkEnvelope): Promise<{ id: number | null; duplicate: boolean }> {
    const now = this.core.clock.now();
    const insert = async (t?: Transaction): Promise<number> => {
      const [insertId] = await this.core.db.sequelize.query(
        `INSERT INTO lark_inbox (event_id, event_type, payload, status, attempts, next_attempt_at, received_at)
         VALUES (:eventId, :type, :payload, 'pending', 0, :now, :now)`,
        {
          type: QueryTypes.INSERT,
          transaction: t,
          // Never the verification token or a card token: the stored envelope is stripped of secret-named keys.
          replacements: { eventId: env.header.event_id, type: String(env.header.event_type).slice(0, 64), payload: storableJson(withoutSecrets(env)), now },
        },
      );
      return Number(insertId);
    };
    try {
      // One autocommit INSERT on MySQL (one round trip on the acknowledgement path); SQLite writers go through
      // the serialised write transaction.
      const id = this.core.db.dialect === 'mysql' ? await insert() : await this.core.db.tx((t) => insert(t));
      return { id, duplicate: false };
    } catch (e) {
      if (isUniqueViolation(e)) return { id: null, duplicate: true };
      throw e;
    }
  }

  /** Records and, after the caller acknowledges, processes in-process (on the next macrotask). */
  async receive(env: LarkEnvelope): Promise<{ id: number | null; duplicate: boolean }> {
    const r = await this.record(env);
    if (r.id !== null) this.schedule(r.id);
    return r;
  }

  schedule(id: number): void {
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.slot(() => this.process(id)))
      .catch((err) => this.logger.error({ err, inboxId: id }, 'lark event processing failed'))
      .finally(() => this.inflight.delete(p));
    this.inflight.add(p);
  }

  /**
   * At most `maxConcurrent` events are processed at once: a burst queues here (its rows are safe in the inbox)
   * instead of taking every pooled connection from the acknowledgement path.
   */
  private async slot<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.maxConcurrent) await new Promise<void>((r) => this.waiting.push(r));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }

  /** Resolves once every scheduled processing has finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size) await Promise.allSettled([...this.inflight]);
  }

  /** Processes one inbox row exactly once: handler, replies and the row's status commit together. */
  async process(id: number): Promise<ProcessOutcome> {
    const rows = await this.core.db.select<{ payload: unknown; status: string; attempts: number }>(
      'SELECT payload, status, attempts FROM lark_inbox WHERE id = :id',
      { id },
    );
    if (!rows.length) return 'missing';
    if (rows[0].status !== 'pending') return 'skipped';
    const env = (typeof rows[0].payload === 'string' ? JSON.parse(rows[0].payload) : rows[0].payload) as LarkEnvelope;
    // Every line of the event's work carries its id, also when the inbox sweep picks it up after a restart.
    return withTrace({ eventId: String(env.header.event_id) }, async () => {
      const started = performance.now();
      const outcome = await this.processEvent(id, env, rows[0].attempts);
      this.logger.debug({ inboxId: id, eventType: env.header.event_type, outcome, ms: Math.round(performance.now() - started) }, 'lark event processed');
      return outcome;
    });
  }

  private async processEvent(id: number, env: LarkEnvelope, attempts: number): Promise<ProcessOutcome> {
    const normalized = env.header.event_type === 'im.message.receive_v1' ? normalizeMessage(env) : null;
    const user = normalized ? await findUserByOpenId(this.core, normalized.openId) : null;
    const locale = this.localeOf(user, user ? await this.userLocale(user.id) : null);
    const claim = async (t: Transaction): Promise<boolean> => {
      const [, affected] = await this.core.db.sequelize.query(
        `UPDATE lark_inbox SET status = 'done', processed_at = :now, attempts = attempts + 1 WHERE id = :id AND status = 'pending'`,
        { type: QueryTypes.UPDATE, transaction: t, replacements: { id, now: this.core.clock.now() } },
      );
      return Number(affected) > 0;
    };
    let wrote = false;
    try {
      const outcome = await this.core.db.tx(async (t) => {
        if (!(await claim(t))) return 'skipped' as const;
        if (!normalized) {
          const onEvent = this.registry.eventHandler(String(env.header.event_type));
          const chatId = typeof env.event?.chat_id === 'string' ? env.event.chat_id : null;
          if (onEvent) await onEvent(env, this.kit(t, this.locale, chatId ? { chatId } : { openId: '' }, () => (wrote = true)));
          return 'done' as const;
        }
        const kit = this.kit(t, locale, normalized.chatId ? { chatId: normalized.chatId } : { openId: normalized.openId }, () => (wrote = true));
        if (!user) {
          // At most one such reply per sender and hour (a chatty stranger must not make the bot spam back).
          const hour = this.core.clock.now().toISOString().slice(0, 13);
          await kit.reply({ to: { openId: normalized.openId }, kind: 'text', payload: { text: unknownSenderText(normalized.openId) }, dedupeKey: `lark.unknown-sender:${normalized.openId}:${hour}` });
          return 'done' as const;
        }
        const refused = chatInputProblem(normalized);
        if (refused) throw refused; // answered below like any refusal, never parsed or stored
        await this.runChat({ ...normalized, user }, kit);
        return 'done' as const;
      });
      if (wrote) nudgeOutbox();
      return outcome;
    } catch (e) {
      wrote = false;
      if (isAppError(e) && normalized) {
        // A rule refused: tell the sender, mark the event done (no retry would change the answer).
        const out = await this.core.db.tx(async (t) => {
          if (!(await claim(t))) return 'skipped' as const;
          const kit = this.kit(t, locale, normalized.chatId ? { chatId: normalized.chatId } : { openId: normalized.openId }, () => (wrote = true));
          await kit.reply({ kind: 'text', payload: { text: errorText(e, locale) } });
          return 'done' as const;
        });
        if (wrote) nudgeOutbox();
        return out;
      }
      return this.failAttempt(id, attempts, e, normalized, locale);
    }
  }

  private async failAttempt(id: number, attempts: number, err: unknown, normalized: NormalizedChat | null, locale: Locale): Promise<ProcessOutcome> {
    this.logger.error({ err, inboxId: id, attempt: attempts + 1 }, 'lark event handler failed');
    const now = this.core.clock.now();
    const final = attempts + 1 >= this.maxAttempts;
    const message = String((err as Error)?.message ?? err).slice(0, 500);
    let wrote = false;
    await this.core.db.tx(async (t) => {
      const [, affected] = await this.core.db.sequelize.query(
        `UPDATE lark_inbox SET attempts = attempts + 1, last_error = :message, status = :status, next_attempt_at = :next
         WHERE id = :id AND status = 'pending'`,
        {
          type: QueryTypes.UPDATE,
          transaction: t,
          replacements: { id, message, status: final ? 'failed' : 'pending', next: new Date(now.getTime() + Math.min(2 ** attempts * 5_000, 600_000)) },
        },
      );
      if (final && Number(affected) > 0 && normalized) {
        const kit = this.kit(t, locale, normalized.chatId ? { chatId: normalized.chatId } : { openId: normalized.openId }, () => (wrote = true));
        await kit.reply({ kind: 'text', payload: { text: errorText(err, locale) } });
      }
    });
    if (wrote) nudgeOutbox();
    return final ? 'failed' : 'retry';
  }

  private async userLocale(userId: number): Promise<string | null> {
    return userLocale(this.core, userId);
  }

  private kit(t: Transaction, locale: Locale, defaultTo: OutboundMessage['to'], onWrite: () => void): HandlerKit {
    return {
      deps: { core: this.core, locale, config: this.config },
      t,
      reply: async (m) => {
        await enqueueMessages(this.core, t, [{ ...m, to: m.to ?? defaultTo, locale: m.locale ?? locale }]);
        onWrite();
      },
    };
  }

  private async runChat(cmd: ChatCommand, kit: HandlerKit): Promise<void> {
    let name: string;
    if (cmd.type === 'text') {
      const u = cmd.user;
      const viewer = { userId: u.id, role: u.role, teamIds: u.teamIds?.length ? u.teamIds : u.teamId !== null && u.teamId !== undefined ? [u.teamId] : [] };
      cmd.intent = parseMessage(cmd.text, { now: cmd.sentAt, timezone: this.core.timezone, stages: await this.stages(), dictionary: await this.customers(), viewer });
      name = cmd.intent.intent;
      if (name === 'unknown') name = this.registry.matchTextIntent(cmd.text) ?? name;
    } else {
      name = `message.${cmd.type}`;
    }
    const handler = this.lookupIntent(name) ?? this.lookupIntent('unknown');
    if (!handler) throw new Error('no unknown-intent handler registered');
    await handler(cmd, kit);
  }

  /** The customers and leads a message's customer is matched against (refreshed with what changed since last time). */
  private async customers(): Promise<CustomerDictionary | null> {
    try {
      return await this.dictionary.current();
    } catch (err) {
      // Without it a message is still understood; only customer_match is missing.
      this.logger.warn({ err }, 'customer dictionary unavailable for chat understanding');
      return null;
    }
  }

  /** The pipelines' stage names the parser reads a stage move with (data: an admin may rename them). */
  private async stages(): Promise<StageWords[]> {
    try {
      return await chatStages(this.core);
    } catch (err) {
      // Without them a message is still understood, only not as a named stage move.
      this.logger.warn({ err }, 'pipeline stages unavailable for chat understanding');
      return [];
    }
  }

  /** Pending rows whose time has come (worker, restart after a crash). Returns how many were processed. */
  async processPending(limit = 50, minAgeMs = 0): Promise<number> {
    const now = this.core.clock.now();
    const rows = await this.core.db.select<{ id: number; received_at: unknown }>(
      `SELECT id, received_at FROM lark_inbox WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY next_attempt_at LIMIT ${Math.max(1, Math.floor(limit))}`,
      { now },
    );
    let n = 0;
    for (const r of rows) {
      const received = toDate(r.received_at);
      if (minAgeMs && received && now.getTime() - received.getTime() < minAgeMs) continue;
      if ((await this.process(r.id)) === 'done') n++;
    }
    return n;
  }

  /** A synchronous card action (card.action.trigger over events/ws, or a legacy callback). */
  async cardAction(cmd: NormalizedCardAction): Promise<CardCallbackResponse> {
    const user = await findUserByOpenId(this.core, cmd.openId);
    const locale = this.localeOf(user, user ? await this.userLocale(user.id) : null);
    if (!user) return { toast: { type: 'error', content: tr(locale, { 'zh-CN': '您还不是 CRM 用户，请联系管理员添加', en: 'You are not a CRM user yet; ask an administrator to add you' }) } };
    const handler = this.registry.actionHandler(cmd.value.action);
    if (!handler) return { toast: { type: 'error', content: tr(locale, { 'zh-CN': '该操作已失效', en: 'This action is no longer available' }) } };
    let wrote = false;
    try {
      checkCardInput(cmd); // the input policy for values and form inputs: a toast naming the field
      const result = await this.core.db.tx(async (t) => {
        if (cmd.eventId) {
          try {
            await this.core.db.sequelize.query(
              `INSERT INTO lark_inbox (event_id, event_type, payload, status, attempts, next_attempt_at, received_at, processed_at)
               VALUES (:eventId, 'card.action.trigger', :payload, 'done', 1, :now, :now, :now)`,
              { type: QueryTypes.INSERT, transaction: t, replacements: { eventId: cmd.eventId, payload: storableJson(withoutSecrets({ value: cmd.value })), now: this.core.clock.now() } },
            );
          } catch (e) {
            if (isUniqueViolation(e)) return alreadyDone(locale, null);
            throw e;
          }
        }
        const kit = this.kit(t, locale, cmd.chatId ? { chatId: cmd.chatId } : { openId: cmd.openId }, () => (wrote = true));
        const key = typeof cmd.value.key === 'string' || typeof cmd.value.key === 'number' ? `${cmd.value.action}:${cmd.value.key}` : null;
        if (key) {
          const claimed = await claimActionKey(this.core, t, key, cmd.value.action, user.id);
          if (!claimed.first) return alreadyDone(locale, claimed.result);
        }
        const r = await handler({ ...cmd, user }, kit);
        if (key) await saveActionResult(this.core, t, key, r);
        return r;
      });
      if (wrote) nudgeOutbox();
      return toCallbackResponse(result);
    } catch (e) {
      if (!isAppError(e)) this.logger.error({ err: e, action: cmd.value.action }, 'card action failed');
      return toCallbackResponse(errorToast(e, locale));
    }
  }

  /**
   * Why an event is not ours, or null: a correctly signed event of another app (header.app_id other than
   * LARK_APP_ID) or, when LARK_TENANT_KEY binds the app to one tenant, of another tenant. Such an event is answered
   * (200 / `{}`, so the platform does not re-send it) but neither recorded nor processed, and logged at warn.
   * Without LARK_APP_ID there is nothing to compare (tools and tests without a Lark app).
   */
  foreignEvent(ids: { app_id?: unknown; tenant_key?: unknown }, kind: string): string | null {
    const { appId, tenantKey } = this.config.lark;
    let reason: string | null = null;
    if (appId && ids.app_id !== undefined && ids.app_id !== appId) reason = 'app_id';
    else if (appId && ids.app_id === undefined && kind !== 'legacy_card') reason = 'app_id';
    else if (tenantKey && ids.tenant_key !== tenantKey) reason = 'tenant_key';
    if (reason) {
      const shown = (v: unknown) => (typeof v === 'string' ? v.slice(0, 64) : v === undefined ? null : typeof v);
      this.logger.warn({ kind, reason, appId: shown(ids.app_id), tenantKey: shown(ids.tenant_key) }, 'lark event from another app or tenant ignored');
    }
    return reason;
  }

  /** Dispatches a verified, decrypted schema 2.0 body (webhook) — same path as ws. */
  async dispatch(body: Record<string, unknown>): Promise<CardCallbackResponse | undefined> {
    if (!isEnvelope(body)) return undefined;
    const r = await this.sdkDispatcher().invoke(body, { needCheck: false });
    return r && typeof r === 'object' ? (r as CardCallbackResponse) : undefined;
  }

  /** The SDK EventDispatcher feeding this bot (used by the webhook route and by lark.WSClient). */
  sdkDispatcher(): lark.EventDispatcher {
    if (this.dispatcher) return this.dispatcher;
    const d = new lark.EventDispatcher({ loggerLevel: lark.LoggerLevel.error, logger: sdkLogger(this.logger) });
    d.register({
      'im.message.receive_v1': async (data: unknown) => {
        const env = unflatten(data as Record<string, unknown>);
        if (this.foreignEvent(env.header, 'im.message.receive_v1')) return undefined;
        if (isEnvelope(env)) await withTrace({ eventId: String(env.header.event_id) }, () => this.receive(env));
        return undefined;
      },
      // Every other event a capability registered (bot/registry.ts `event`): recorded, acknowledged, processed after.
      ...Object.fromEntries(
        this.registry.events().map((type) => [
          type,
          async (data: unknown) => {
            const env = unflatten(data as Record<string, unknown>);
            if (this.foreignEvent(env.header, type)) return undefined;
            if (isEnvelope(env)) await withTrace({ eventId: String(env.header.event_id) }, () => this.receive(env));
            return undefined;
          },
        ]),
      ),
      'card.action.trigger': async (data: unknown) => {
        const env = unflatten(data as Record<string, unknown>);
        if (this.foreignEvent(env.header, 'card.action.trigger')) return {};
        const cmd = isEnvelope(env) ? normalizeCardAction(env) : null;
        if (!cmd) return {};
        return withTrace({ eventId: String(env.header.event_id) }, () => this.cardAction(cmd));
      },
    } as Record<string, (data: unknown) => Promise<unknown>>);
    this.dispatcher = d;
    return d;
  }
}

function toCallbackResponse(r: CardActionResult): CardCallbackResponse {
  const out: CardCallbackResponse = {};
  if (r.toast) out.toast = r.toast;
  if (r.card) out.card = { type: 'raw', data: r.card };
  return out;
}
