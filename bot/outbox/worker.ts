import os from 'node:os';
import { randomBytes } from 'node:crypto';
import type * as lark from '@larksuiteoapi/node-sdk';
import { QueryTypes } from 'sequelize';
import type { CoreContext } from '../../core/context';
import { toDate } from '../../core/db/connection';
import type { Logger } from 'pino';
import { userContact } from '../../core/users/directory';
import { fitsLimit } from '../cards/kit';
import { toLocale } from '../i18n';
import { composeBot } from '../compose';
import type { BotRegistry } from '../registry';
import { UnknownKindError, type LarkMessage } from '../render/registry';
import { sharedSendLimits, type SendLimits, type SendLimitsOptions } from './limits';

type Permits = ReturnType<SendLimits['permits']>;
/** One receiver group's permits (by Lark receiver key) and how many of its rows are still to go. */
interface GroupBudget {
  permits: Map<string, Permits>;
  left: number;
}
import { onOutboxNudge } from './nudge';
import { outboxCounters } from './counters';
import { traceOfOrigin, withTrace } from '../../core/shared/trace';

/**
 * Delivers outbox rows through the SDK Client.
 * - Leasing: a batch of due rows (pending and due, or 'sending' with an expired lease) is taken in one write
 *   transaction (FOR UPDATE SKIP LOCKED on MySQL; the serialised IMMEDIATE transaction on SQLite) and marked
 *   'sending' with our owner id and a lease deadline, so two processes never hold the same row. A process that
 *   dies leaves its rows to be re-leased after the deadline; the re-send carries the same `uuid`, which Lark
 *   de-duplicates (1 hour), so nothing is lost and nothing is shown twice.
 * - Each row: resolve the recipient (CRM user → open_id), render `kind` (bot/render), send or PATCH (op 'update'
 *   patches the message sent for the row whose dedupe_key = update_of), within the limits (bot/outbox/limits.ts).
 * - Outcomes: sent (message_id kept); 429 → back to pending after `x-ogw-ratelimit-reset`, sending paused;
 *   transient (5xx, network, token) → retried with exponential backoff, 'failed' after maxAttempts;
 *   permanent (bad receiver, bot not in chat, unknown kind, card too large) → 'failed' with the reason.
 */
export interface OutboxWorkerOptions extends SendLimitsOptions {
  core: CoreContext;
  logger: Logger;
  /** The SDK client; null → the worker idles (no credentials) and rows stay pending. */
  client: lark.Client | null;
  /** Outbox kind → renderer (default: composeBot()). */
  registry?: BotRegistry;
  /**
   * The send budget (bot/outbox/limits.ts): default the process-wide in-memory one; several processes on one
   * MySQL pass one over the database or Redis (bot/outbox/budget.ts).
   */
  limits?: SendLimits;
  owner?: string;
  batchSize?: number;
  leaseMs?: number;
  pollMs?: number;
  maxAttempts?: number;
  /**
   * Receivers delivered in parallel (each receiver's rows stay in order); default 10. (20 lanes a process, three
   * processes, on a loaded 2-core machine: more requests in flight at the end of a second's window, and a few of
   * them reached the fake Lark in the next second: 429s.)
   */
  concurrency?: number;
  /** First retry delay; doubles per attempt up to maxBackoffMs. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

interface Row {
  id: number;
  uuid: string;
  op: string;
  update_of: string | null;
  recipient_type: string;
  recipient: string;
  kind: string;
  payload: unknown;
  locale: string | null;
  attempts: number;
  lease_until: unknown;
  /** What enqueued it (core/shared/trace.ts): its delivery logs carry the same request / event id. */
  origin?: string | null;
}

export interface RunResult {
  leased: number;
  sent: number;
  retried: number;
  failed: number;
  deferred: number;
}

type Outcome =
  | { kind: 'sent'; messageId: string | null }
  | { kind: 'retry'; reason: string; delayMs?: number; countAttempt: boolean }
  | { kind: 'failed'; reason: string }
  | { kind: 'defer'; delayMs: number; reason: string }
  | { kind: 'skip' };

class PermanentError extends Error {}

const TRANSIENT_CODES = new Set([99991663, 99991664, 99991400, 1000, 1001, 99991401, 230020]);

export class OutboxWorker {
  readonly owner: string;
  private readonly o: Required<Omit<OutboxWorkerOptions, keyof SendLimitsOptions | 'client' | 'owner' | 'registry' | 'limits'>> & { client: lark.Client | null };
  readonly limits: SendLimits;
  private readonly registry: BotRegistry;
  private readonly signal = { stopped: false };
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  /** A nudge came while a round was running (its SELECT may have missed the new rows): run again, do not sleep. */
  private nudged = false;
  private unsubscribe: (() => void) | null = null;
  private warned = false;

  constructor(opts: OutboxWorkerOptions) {
    this.owner = opts.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
    this.o = {
      core: opts.core,
      logger: opts.logger,
      client: opts.client,
      batchSize: opts.batchSize ?? 50,
      leaseMs: opts.leaseMs ?? 60_000,
      pollMs: opts.pollMs ?? 500,
      maxAttempts: opts.maxAttempts ?? 10,
      concurrency: opts.concurrency ?? 10,
      backoffMs: opts.backoffMs ?? 1_000,
      maxBackoffMs: opts.maxBackoffMs ?? 300_000,
    };
    this.limits = opts.limits ?? sharedSendLimits(opts);
    this.registry = opts.registry ?? composeBot();
  }

  private get core(): CoreContext {
    return this.o.core;
  }

  /** Leases due rows for this owner. */
  async lease(): Promise<Row[]> {
    const { db } = this.core;
    const now = this.core.clock.now();
    const until = new Date(now.getTime() + this.o.leaseMs);
    const n = Math.max(1, Math.floor(this.o.batchSize));
    const lock = db.dialect === 'mysql' ? ' FOR UPDATE SKIP LOCKED' : '';
    return db.tx(async (t) => {
      const due = await db.select<{ id: number }>(
        `SELECT id FROM outbox WHERE status = 'pending' AND next_attempt_at <= :now ORDER BY next_attempt_at, id LIMIT ${n}${lock}`,
        { now },
        t,
      );
      const stale = due.length < n
        ? await db.select<{ id: number }>(`SELECT id FROM outbox WHERE status = 'sending' AND lease_until < :now ORDER BY id LIMIT ${n - due.length}${lock}`, { now }, t)
        : [];
      const ids = [...due, ...stale].map((r) => r.id);
      if (!ids.length) return [];
      await db.sequelize.query(
        `UPDATE outbox SET status = 'sending', lease_owner = :owner, lease_until = :until WHERE id IN (:ids) AND (status = 'pending' OR (status = 'sending' AND lease_until < :now))`,
        { type: QueryTypes.UPDATE, transaction: t, replacements: { owner: this.owner, until, ids, now } },
      );
      return db.select<Row>(
        `SELECT id, uuid, op, update_of, recipient_type, recipient, kind, payload, locale, attempts, lease_until, origin FROM outbox WHERE id IN (:ids) AND lease_owner = :owner AND status = 'sending' ORDER BY id`,
        { ids, owner: this.owner },
        t,
      );
    });
  }

  /** One round: lease a batch and deliver it. */
  async runOnce(): Promise<RunResult> {
    const result: RunResult = { leased: 0, sent: 0, retried: 0, failed: 0, deferred: 0 };
    if (!this.o.client) {
      if (!this.warned) this.o.logger.warn('outbox: LARK_APP_ID/LARK_APP_SECRET not set, messages stay pending');
      this.warned = true;
      return result;
    }
    const rows = await this.lease();
    result.leased = rows.length;
    if (!rows.length) return result;
    const groups = new Map<string, Row[]>();
    for (const r of rows) {
      const key = `${r.recipient_type}:${r.recipient}`;
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const queue = [...groups.values()];
    const runGroup = async () => {
      for (let g = queue.shift(); g; g = queue.shift()) {
        // The group's rows ask the budget for several tokens at once (one store hit per receiver per second).
        const budget: GroupBudget = { permits: new Map(), left: g.length };
        try {
          for (const row of g) {
            if (this.signal.stopped) return;
            const outcome = await this.deliver(row, budget);
            budget.left--;
            await this.settle(row, outcome);
            if (outcome.kind === 'sent') result.sent++;
            else if (outcome.kind === 'retry') result.retried++;
            else if (outcome.kind === 'failed') result.failed++;
            else if (outcome.kind === 'defer') result.deferred++;
          }
        } finally {
          await Promise.all([...budget.permits.values()].map((p) => p.close()));
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, queue.length) }, runGroup));
    // Rows not attempted because we are stopping go back to pending at once.
    if (this.signal.stopped) await this.release();
    return result;
  }

  private async release(): Promise<void> {
    await this.core.db.tx((t) =>
      this.core.db.sequelize.query(`UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE lease_owner = :owner AND status = 'sending'`, {
        type: QueryTypes.UPDATE,
        transaction: t,
        replacements: { owner: this.owner },
      }),
    );
  }

  private async recipient(row: Row): Promise<{ type: 'open_id' | 'chat_id'; id: string; locale: string | null }> {
    if (row.recipient_type === 'user') {
      const u = await userContact(this.core, Number(row.recipient));
      if (!u) throw new PermanentError(`recipient user ${row.recipient} does not exist`);
      if (!u.larkOpenId) throw new PermanentError(`recipient user ${row.recipient} has no Lark open_id`);
      return { type: 'open_id', id: u.larkOpenId, locale: u.locale };
    }
    if (row.recipient_type === 'open_id' || row.recipient_type === 'chat_id') return { type: row.recipient_type, id: row.recipient, locale: null };
    throw new PermanentError(`unknown recipient type ${row.recipient_type}`);
  }

  /** The permits of `key` within this group (created on first use). */
  private permitsFor(budget: GroupBudget, key: string): Permits {
    let p = budget.permits.get(key);
    if (!p) budget.permits.set(key, (p = this.limits.permits(key, { signal: this.signal })));
    return p;
  }

  private async deliver(row: Row, budget: GroupBudget = { permits: new Map(), left: 1 }): Promise<Outcome> {
    const client = this.o.client!;
    // Never act on a lease that has run out (another process may own the row now).
    const leaseUntil = toDate(row.lease_until);
    if (leaseUntil && this.core.clock.now().getTime() > leaseUntil.getTime() - 1_000) return { kind: 'skip' };
    let message: LarkMessage;
    let to: { type: 'open_id' | 'chat_id'; id: string };
    try {
      const r = await this.recipient(row);
      to = r;
      const payload = (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<string, unknown>;
      const locale = toLocale(row.locale ?? r.locale, this.core.locale);
      message = await this.registry.render(row.kind, payload ?? {}, { locale, core: this.core });
      if (message.msg_type === 'interactive' && !fitsLimit(message.content)) throw new PermanentError('card exceeds the 30 KB limit');
    } catch (e) {
      if (e instanceof PermanentError || e instanceof UnknownKindError) return { kind: 'failed', reason: e.message };
      return { kind: 'retry', reason: `render: ${(e as Error).message}`, countAttempt: true };
    }

    try {
      if (row.op === 'update') {
        if (message.msg_type !== 'interactive') return { kind: 'failed', reason: 'only cards can be updated in place' };
        const orig = await this.core.db.select<{ message_id: string | null; status: string }>('SELECT message_id, status FROM outbox WHERE dedupe_key = :k', { k: row.update_of });
        if (!orig.length) return { kind: 'failed', reason: `no message with dedupe key ${row.update_of} to update` };
        if (orig[0].status === 'failed') return { kind: 'failed', reason: `the message to update (${row.update_of}) failed` };
        if (!orig[0].message_id) return { kind: 'defer', delayMs: 2_000, reason: 'original not sent yet' };
        if (!(await this.permitsFor(budget, `msg:${orig[0].message_id}`).next(1))) return { kind: 'skip' };
        const res = await client.im.v1.message.patch({ path: { message_id: orig[0].message_id }, data: { content: JSON.stringify(message.content) } });
        if (res && typeof res === 'object' && 'code' in res && res.code !== 0) return this.classifyCode(res.code as number, String(res.msg ?? ''));
        return { kind: 'sent', messageId: orig[0].message_id };
      }
      if (!(await this.permitsFor(budget, `${to.type}:${to.id}`).next(budget.left))) return { kind: 'skip' };
      const res = await client.im.v1.message.create({
        params: { receive_id_type: to.type },
        data: { receive_id: to.id, msg_type: message.msg_type, content: JSON.stringify(message.content), uuid: row.uuid },
      });
      if (!res || res.code !== 0) return this.classifyCode(res?.code ?? -1, String(res?.msg ?? 'empty response'));
      return { kind: 'sent', messageId: res.data?.message_id ?? null };
    } catch (e) {
      return this.classifyError(e);
    }
  }

  private classifyCode(code: number, msg: string): Outcome {
    if (code === 99991400) {
      outboxCounters.rateLimited++;
      return { kind: 'retry', reason: `${code} ${msg}`, delayMs: 1_000, countAttempt: false };
    }
    if (TRANSIENT_CODES.has(code)) return { kind: 'retry', reason: `${code} ${msg}`, countAttempt: true };
    return { kind: 'failed', reason: `${code} ${msg}`.slice(0, 500) };
  }

  private classifyError(e: unknown): Outcome {
    const err = e as { response?: { status?: number; headers?: Record<string, unknown>; data?: { code?: number; msg?: string } }; message?: string; code?: string };
    const status = err.response?.status;
    const code = err.response?.data?.code;
    const msg = err.response?.data?.msg ?? err.message ?? String(e);
    if (status === 429 || code === 99991400) {
      outboxCounters.rateLimited++;
      const reset = Number(err.response?.headers?.['x-ogw-ratelimit-reset']);
      const delayMs = Number.isFinite(reset) && reset > 0 ? reset * 1000 : 1_000;
      this.limits.pause(Date.now() + delayMs);
      return { kind: 'retry', reason: `429 ${code ?? ''} ${msg}`.trim(), delayMs, countAttempt: false };
    }
    if (!status || status >= 500 || status === 401 || status === 408 || (code !== undefined && TRANSIENT_CODES.has(code))) {
      return { kind: 'retry', reason: `${status ?? err.code ?? 'network'} ${code ?? ''} ${msg}`.trim(), countAttempt: true };
    }
    return { kind: 'failed', reason: `${status} ${code ?? ''} ${msg}`.replace(/\s+/g, ' ').slice(0, 500) };
  }

  private async settle(row: Row, outcome: Outcome, traced = false): Promise<void> {
    if (outcome.kind === 'skip') return;
    // Its log lines carry what enqueued the row (core/shared/trace.ts: the request or the Lark event id).
    if (!traced) return withTrace(traceOfOrigin(row.origin), () => this.settle(row, outcome, true));
    this.o.logger.debug({ outboxId: row.id, kind: row.kind, outcome: outcome.kind }, 'outbox delivery');
    const now = this.core.clock.now();
    const base = { id: row.id, owner: this.owner, now };
    let sql: string;
    let replacements: Record<string, unknown>;
    if (outcome.kind === 'sent') {
      outboxCounters.sent++;
      sql = `UPDATE outbox SET status = 'sent', message_id = COALESCE(:messageId, message_id), sent_at = :now, attempts = attempts + 1, last_error = NULL, lease_owner = NULL, lease_until = NULL WHERE id = :id AND lease_owner = :owner AND status = 'sending'`;
      replacements = { ...base, messageId: outcome.messageId };
    } else if (outcome.kind === 'failed') {
      outboxCounters.failed++;
      this.o.logger.warn({ outboxId: row.id, kind: row.kind, reason: outcome.reason }, 'outbox message failed permanently');
      sql = `UPDATE outbox SET status = 'failed', attempts = attempts + 1, last_error = :reason, lease_owner = NULL, lease_until = NULL WHERE id = :id AND lease_owner = :owner AND status = 'sending'`;
      replacements = { ...base, reason: outcome.reason.slice(0, 500) };
    } else if (outcome.kind === 'defer') {
      outboxCounters.deferred++;
      sql = `UPDATE outbox SET status = 'pending', next_attempt_at = :next, last_error = :reason, lease_owner = NULL, lease_until = NULL WHERE id = :id AND lease_owner = :owner AND status = 'sending'`;
      replacements = { ...base, next: new Date(now.getTime() + outcome.delayMs), reason: outcome.reason };
    } else {
      const attempts = row.attempts + (outcome.countAttempt ? 1 : 0);
      if (attempts >= this.o.maxAttempts) {
        return this.settle(row, { kind: 'failed', reason: `gave up after ${attempts} attempts: ${outcome.reason}` }, true);
      }
      outboxCounters.retried++;
      const backoff = outcome.delayMs ?? Math.min(this.o.backoffMs * 2 ** Math.max(0, attempts - 1), this.o.maxBackoffMs) * (0.75 + Math.random() * 0.5);
      sql = `UPDATE outbox SET status = 'pending', attempts = :attempts, next_attempt_at = :next, last_error = :reason, lease_owner = NULL, lease_until = NULL WHERE id = :id AND lease_owner = :owner AND status = 'sending'`;
      replacements = { ...base, attempts, next: new Date(now.getTime() + backoff), reason: outcome.reason.slice(0, 500) };
    }
    // One conditional statement: on MySQL it autocommits on its own (one round trip, not START/UPDATE/COMMIT, per
    // message); SQLite's writes go through db.tx (its writers are serialised in-process).
    if (this.core.db.dialect === 'mysql') await this.core.db.sequelize.query(sql, { type: QueryTypes.UPDATE, replacements });
    else await this.core.db.tx((t) => this.core.db.sequelize.query(sql, { type: QueryTypes.UPDATE, transaction: t, replacements }));
  }

  /** Runs rounds until nothing is due (tests, benchmarks). */
  async drain(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const r = await this.runOnce();
      if (r.leased === 0) {
        const left = await this.core.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox WHERE status IN ('pending', 'sending')`);
        if (Number(left[0].n) === 0) return;
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    throw new Error('outbox did not drain in time');
  }

  start(): void {
    if (this.loop) return;
    this.signal.stopped = false;
    this.unsubscribe = onOutboxNudge(() => {
      this.nudged = true;
      this.wake?.();
    });
    this.loop = (async () => {
      while (!this.signal.stopped) {
        let leased = 0;
        this.nudged = false;
        try {
          leased = (await this.runOnce()).leased;
        } catch (err) {
          this.o.logger.error({ err }, 'outbox round failed');
        }
        if (!leased && !this.signal.stopped && !this.nudged) {
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, this.o.pollMs);
            this.wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          this.wake = null;
        }
      }
    })();
  }

  async stop(): Promise<void> {
    this.signal.stopped = true;
    this.wake?.();
    this.unsubscribe?.();
    await this.loop;
    this.loop = null;
  }
}
