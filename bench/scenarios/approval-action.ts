import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { QueryTypes } from 'sequelize';
import type { Harness, Scenario } from '../types';
import { roundsFigure } from '../lib/harness';
import { pooledPercentile, stat, warmedUp } from '../lib/stats';
import { eventSignature, larkEncrypt } from '../../bot/crypto';
import { botFor } from '../../bot/instance';
import { createLogger } from '../../server/logger';

/**
 * Approve/reject card actions (card.action.trigger) from 50 approvers clicking at once, each on their own
 * pending approvals, through the real path: signed + encrypted POST /lark/events on the real server when it
 * mounts the Lark routes, else the same dispatcher in-process (LarkBot.cardAction). Each click runs the whole
 * decision: request lock, conditional step UPDATE, contract approval, audit, card updates to every copy, the
 * submitter's notice, and the rendered card in the answer. 1 in 10 clicks rejects with a reason.
 * Setup inserts the pending approvals in bulk; everything is removed afterwards (won-deal figures restored).
 */

const SECRETS = { encryptKey: 'bench-approval-key', verificationToken: 'bench-approval-token' };

interface Click {
  approverOpenId: string;
  stepId: number;
  reject: boolean;
}


const pctl = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? 0;
};

function envelope(c: Click, tag: string) {
  return {
    schema: '2.0',
    header: { event_id: `bench-apr-${tag}-${randomUUID()}`, event_type: 'card.action.trigger', create_time: String(Date.now()), token: SECRETS.verificationToken, app_id: 'cli_bench', tenant_key: 'bench' },
    event: {
      operator: { open_id: c.approverOpenId },
      token: `c-${randomBytes(6).toString('hex')}`,
      action: { value: { action: c.reject ? 'approval.reject' : 'approval.approve', stepId: c.stepId }, tag: 'button', form_value: { comment: c.reject ? '价格低于底线' : '同意' } },
      host: 'im_message',
      context: { open_message_id: 'om_bench', open_chat_id: `oc_${c.approverOpenId}` },
    },
  };
}

/** Inserts `n` pending single-step contract approvals for `approvers` in bulk; returns the clicks in approver order. */
async function setup(h: Harness, tag: string, approvers: { id: number; openId: string }[], perApprover: number): Promise<Click[][]> {
  const db = h.ctx.db;
  const now = new Date();
  const customers = Math.max(1, h.seed.counts.customers ?? 1);
  const submitter = h.seed.users.admin;
  const rows: Record<string, unknown>[] = [];
  approvers.forEach((a, i) => {
    for (let k = 0; k < perApprover; k++) {
      rows.push({
        number: `BENCH-APR-${tag}-${i}-${k}`,
        customer_id: 1 + ((i * perApprover + k) * 7919) % customers,
        owner_id: submitter,
        team_id: null,
        currency: 'CNY',
        list_cents: 5_000_000,
        amount_cents: 4_500_000,
        discount_bp: 1000,
        start_date: '2026-01-01',
        end_date: '2026-12-31',
        status: 'pending_approval',
        created_by: submitter,
        created_at: now,
        updated_at: now,
      });
    }
  });
  const qi = db.sequelize.getQueryInterface();
  for (let i = 0; i < rows.length; i += 1000) await qi.bulkInsert('contracts', rows.slice(i, i + 1000));
  const contracts = await db.select<{ id: number; number: string; customer_id: number }>('SELECT id, number, customer_id FROM contracts WHERE number LIKE :p ORDER BY id', { p: `BENCH-APR-${tag}-%` });
  const lines = contracts.map((c) => ({ contract_id: c.id, seq: 1, name: '软件授权', quantity: 10, unit_price_cents: 500_000, discount_bp: 1000, amount_cents: 4_500_000 }));
  const inst = contracts.map((c) => ({ contract_id: c.id, customer_id: c.customer_id, owner_id: submitter, seq: 1, due_date: '2026-12-31', amount_cents: 4_500_000, paid_cents: 0, status: 'pending', live: false, created_at: now, updated_at: now }));
  const reqs = contracts.map((c) => ({ entity_type: 'contract', entity_id: c.id, submitter_id: submitter, status: 'pending', rules: JSON.stringify(['manager']), note: 'bench', created_at: now, updated_at: now }));
  for (let i = 0; i < contracts.length; i += 1000) {
    await qi.bulkInsert('contract_lines', lines.slice(i, i + 1000));
    await qi.bulkInsert('receivable_instalments', inst.slice(i, i + 1000));
    await qi.bulkInsert('approval_requests', reqs.slice(i, i + 1000));
  }
  const requests = await db.select<{ id: number; entity_id: number }>(
    `SELECT r.id, r.entity_id FROM approval_requests r JOIN contracts c ON c.id = r.entity_id WHERE r.entity_type = 'contract' AND c.number LIKE :p ORDER BY r.entity_id`,
    { p: `BENCH-APR-${tag}-%` },
  );
  const byContract = new Map(contracts.map((c) => [c.id, c.number]));
  const approverOf = (n: string) => approvers[Number(n.split('-')[3])];
  const steps = requests.map((r) => ({ request_id: r.id, seq: 1, label: '团队经理', approver_id: approverOf(byContract.get(r.entity_id)!).id, status: 'pending', created_at: now, updated_at: now }));
  for (let i = 0; i < steps.length; i += 1000) await qi.bulkInsert('approval_steps', steps.slice(i, i + 1000));
  const made = await db.select<{ id: number; approver_id: number }>(
    `SELECT s.id, s.approver_id FROM approval_steps s JOIN approval_requests r ON r.id = s.request_id JOIN contracts c ON c.id = r.entity_id WHERE c.number LIKE :p ORDER BY s.id`,
    { p: `BENCH-APR-${tag}-%` },
  );
  const openIdOf = new Map(approvers.map((a) => [a.id, a.openId]));
  const per = new Map<number, Click[]>();
  made.forEach((s, n) => {
    const list = per.get(s.approver_id) ?? [];
    list.push({ approverOpenId: openIdOf.get(s.approver_id)!, stepId: s.id, reject: n % 10 === 9 });
    per.set(s.approver_id, list);
  });
  return approvers.map((a) => per.get(a.id) ?? []);
}

async function cleanup(h: Harness, tag: string, started: Date): Promise<void> {
  const db = h.ctx.db;
  const p = `BENCH-APR-${tag}-%`;
  await db.tx(async (t) => {
    const q = (sql: string, r: Record<string, unknown> = {}) => db.sequelize.query(sql, { replacements: { p, started, ...r }, transaction: t, type: QueryTypes.RAW });
    // Approvals counted as won deals: take them back out of the customers' RFM figures.
    const won = await db.select<{ customer_id: number; n: number; s: unknown }>(
      `SELECT customer_id, COUNT(*) AS n, SUM(amount_cents) AS s FROM contracts WHERE number LIKE :p AND status IN ('approved', 'active') GROUP BY customer_id`,
      { p },
      t,
    );
    for (const w of won) await q('UPDATE customers SET won_count = won_count - :n, won_total_cents = won_total_cents - :s WHERE id = :id', { n: Number(w.n), s: Number(w.s), id: w.customer_id });
    const ids = `SELECT id FROM contracts WHERE number LIKE :p`;
    const reqIds = `SELECT id FROM approval_requests WHERE entity_type = 'contract' AND entity_id IN (${ids})`;
    await q(`DELETE FROM approval_steps WHERE request_id IN (${reqIds})`);
    await q(`DELETE FROM audit_log WHERE created_at >= :started AND ((entity_type = 'approval' AND entity_id IN (${reqIds})) OR (entity_type = 'contract' AND entity_id IN (${ids})))`);
    await q(`DELETE FROM approval_requests WHERE id IN (SELECT id FROM (${reqIds}) x)`);
    await q(`DELETE FROM receivable_instalments WHERE contract_id IN (${ids})`);
    await q(`DELETE FROM contract_lines WHERE contract_id IN (${ids})`);
    await q(`DELETE FROM contracts WHERE id IN (SELECT id FROM (${ids}) x)`);
    await q(`DELETE FROM outbox WHERE created_at >= :started AND kind IN ('approval.request', 'approval.outcome')`);
    if (h.hasTable('lark_inbox')) await q(`DELETE FROM lark_inbox WHERE event_id LIKE 'bench-apr-%'`);
    if (h.hasTable('action_log')) await q(`DELETE FROM action_log WHERE created_at >= :started AND action LIKE 'approval.%'`);
  });
}

const scenario: Scenario = {
  name: 'approval-action',
  issue: 8,
  description: 'approve/reject card actions: bursts of 50 approvers clicking at the same moment, each on their own pending approval (p99 of the synchronous answer)',
  database: 'mysql',
  targets: ['approval.p99'],
  async run(h) {
    const approverCount = h.smoke ? 4 : 50;
    const perApprover = h.smoke ? 1 : 10;
    const rounds = 3;
    const maxWarmups = h.smoke ? 1 : 6;
    const warmTags: string[] = [];
    const tag = Date.now().toString(36);
    const started = new Date(Date.now() - 1000);
    // Approvers of their own: temporary manager users (the small seed has fewer than 50 reps), removed afterwards.
    const now = new Date();
    await h.ctx.db.sequelize.getQueryInterface().bulkInsert(
      'users',
      Array.from({ length: approverCount }, (_, i) => ({ name: `审批人${i + 1}`, email: `apr-${tag}-${i}@bench.crm`, role: 'manager', lark_open_id: `ou_bench_apr_${tag}_${i}`, status: 'active', created_at: now, updated_at: now })),
    );
    const approvers = (await h.ctx.db.select<{ id: number; lark_open_id: string }>('SELECT id, lark_open_id FROM users WHERE lark_open_id LIKE :p ORDER BY id', { p: `ou_bench_apr_${tag}_%` })).map((u) => ({
      id: u.id,
      openId: u.lark_open_id,
    }));
    const notes: string[] = [];
    const all: number[][] = [];
    const p99s: number[] = [];
    const p50s: number[] = [];
    const rates: number[] = [];
    const outcomes: Record<string, number> = {};
    try {
      const server = await h.startServer({ env: { LARK_ENCRYPT_KEY: SECRETS.encryptKey, LARK_VERIFICATION_TOKEN: SECRETS.verificationToken } });
      const probe = await fetch(`${server.url}/lark/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch(() => null);
      const http = probe !== null && probe.status !== 404;
      notes.push(http ? 'through the real server: signed, encrypted POST /lark/events (card.action.trigger)' : 'POST /lark/events is not mounted in server/compose.ts: measured in-process through the same dispatcher (LarkBot.cardAction); no HTTP/crypto cost included');
      const bot = botFor(h.ctx, createLogger('error'));
      const clickOnce = async (c: Click): Promise<string> => {
        const env = envelope(c, tag);
        if (http) {
          const raw = JSON.stringify({ encrypt: larkEncrypt(SECRETS.encryptKey, JSON.stringify(env)) });
          const ts = String(Math.floor(Date.now() / 1000));
          const nonce = randomBytes(8).toString('hex');
          const res = await fetch(`${server.url}/lark/events`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': eventSignature(ts, nonce, SECRETS.encryptKey, raw) },
            body: raw,
          });
          const body = (await res.json().catch(() => ({}))) as { toast?: { type?: string } };
          return res.status === 200 ? body.toast?.type ?? 'none' : `http${res.status}`;
        }
        const r = await bot.cardAction({ eventId: env.header.event_id, openId: c.approverOpenId, openMessageId: 'om_bench', chatId: null, value: env.event.action.value, formValue: env.event.action.form_value, token: null } as never);
        return r.toast?.type ?? 'none';
      };
      // Warm-up, not measured (as every comparison in the harness): rounds of the same shape as a measured one (every
      // approver clicking in bursts, the same pauses) until two consecutive warm-up rounds agree within 10% on the
      // figure this scenario is judged on (p99; at most 6 rounds), so the first measured round does not meet a server
      // that has just started (cold JIT, empty connection pool, cold pages). Shorter warm-ups judged on the median
      // answer settled while the first measured round's p99 was still 30-50% above the later ones.
      const warmP99s: number[] = [];
      const warmBursts = h.smoke ? 1 : perApprover;
      while (warmP99s.length < maxWarmups && !warmedUp(warmP99s)) {
        const t = `${tag}w${warmP99s.length}`;
        warmTags.push(t);
        const warm = await setup(h, t, approvers, warmBursts);
        const lat: number[] = [];
        for (let k = 0; k < warmBursts; k++) {
          await Promise.all(
            warm.map(async (clicks) => {
              if (!clicks[k]) return;
              const s0 = performance.now();
              await clickOnce(clicks[k]);
              lat.push(performance.now() - s0);
            }),
          );
          await new Promise((r) => setTimeout(r, 100));
        }
        warmP99s.push(pctl(lat, 99));
      }
      notes.push(`warm-up rounds (p99, ms): ${warmP99s.map((x) => x.toFixed(0)).join(', ')}${warmedUp(warmP99s) || h.smoke ? '' : ' — did not settle within 10%'}`);
      await h.settle();
      for (let round = 0; round < rounds; round++) {
        const perApp = await setup(h, `${tag}${round}`, approvers, perApprover);
        const latencies: number[] = [];
        const t0 = performance.now();
        // Bursts: every approver clicks at the same moment (50 concurrent clicks), all answers awaited, a
        // short pause (people read the next card), the next burst. A zero-think-time closed loop measures
        // saturation instead; it is reported in the notes of the issue's report, not as this figure.
        for (let k = 0; k < perApprover; k++) {
          await Promise.all(
            perApp.map(async (clicks) => {
              const c = clicks[k];
              if (!c) return;
              const s = performance.now();
              const outcome = await clickOnce(c);
              latencies.push(performance.now() - s);
              outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
            }),
          );
          await new Promise((r) => setTimeout(r, 100));
        }
        const secs = (performance.now() - t0) / 1000 - perApprover * 0.1;
        all.push(latencies);
        p99s.push(pctl(latencies, 99));
        p50s.push(pctl(latencies, 50));
        rates.push(latencies.length / secs);
        h.log(`round ${round + 1}: ${latencies.length} clicks, p50 ${pctl(latencies, 50).toFixed(1)} ms, p99 ${pctl(latencies, 99).toFixed(1)} ms`);
      }
      const p99 = stat(p99s);
      const p50 = stat(p50s);
      const rps = stat(rates);
      notes.push(`${rounds} rounds of ${perApprover} bursts; each burst = ${approvers.length} approvers clicking at once (1 in 10 rejects with a reason), 100 ms between bursts; answers: ${JSON.stringify(outcomes)}`);
      return {
        figures: [
          roundsFigure('decisions/s (within bursts)', rps, 'req/s'),
          roundsFigure('card action p50', p50, 'ms', undefined, pooledPercentile(all, 50)),
          roundsFigure('card action p99', p99, 'ms', 'approval.p99', pooledPercentile(all, 99)),
        ],
        notes,
        details: { p99s, p50s, rates, outcomes },
      };
    } finally {
      for (const t of [...warmTags.map((w) => w.slice(tag.length)), ...Array.from({ length: rounds }, (_, round) => String(round))]) await cleanup(h, `${tag}${t}`, started).catch((e) => h.log(`cleanup failed: ${String(e)}`));
      await h.ctx.db.sequelize.query('DELETE FROM users WHERE lark_open_id LIKE :p', { replacements: { p: `ou_bench_apr_${tag}_%` } });
    }
  },
};
export default scenario;
