import { QueryTypes } from 'sequelize';
import type { Harness, Scenario } from '../types';
import { roundsFigure } from '../lib/harness';
import { openLoop } from '../lib/open-loop';
import { percentile, pooledPercentile, stat, warmedUp } from '../lib/stats';
import { eventSignature, larkEncrypt } from '../../bot/crypto';

/**
 * Lark event acknowledgement: signed + encrypted `im.message.receive_v1` events ("帮助" from seeded reps, each with
 * its own event_id) POSTed to the real server's /lark/events at a sustained open-loop rate (200/s), latency per
 * request measured by this process; baseline: the bare koa route of the baseline process at the same rate, in
 * alternating rounds. The server verifies, decrypts, records the inbox row and answers; processing (parse, help
 * card into the outbox) runs after the answer on the same server, so it competes for the CPU like in production.
 * Inbox and outbox rows created by the run are removed afterwards.
 */
const SECRETS = { encryptKey: 'bench-webhook-key', verificationToken: 'bench-webhook-token' };
const TAG = `bench-ack-${process.pid}`;

interface Req {
  path: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

function signedEvent(i: number, round: number, openId: string): Req {
  const now = Date.now();
  const env = {
    schema: '2.0',
    header: { event_id: `${TAG}-${round}-${i}`, event_type: 'im.message.receive_v1', create_time: String(now), token: SECRETS.verificationToken, app_id: 'cli_bench', tenant_key: 't' },
    event: {
      sender: { sender_id: { open_id: openId }, sender_type: 'user' },
      message: { message_id: `om_${TAG}_${round}_${i}`, create_time: String(now), chat_id: `oc_${openId}`, chat_type: 'p2p', message_type: 'text', content: JSON.stringify({ text: '帮助' }), mentions: [] },
    },
  };
  const raw = JSON.stringify({ encrypt: larkEncrypt(SECRETS.encryptKey, JSON.stringify(env)) });
  const ts = String(Math.floor(now / 1000));
  const nonce = `n${i}`;
  return {
    path: '/lark/events',
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-lark-request-timestamp': ts, 'x-lark-request-nonce': nonce, 'x-lark-signature': eventSignature(ts, nonce, SECRETS.encryptKey, raw) },
    body: raw,
  };
}

/** Open-loop pacing: request i is due at start + i/rate whatever earlier answers did; latency from that scheduled time. */
const paced = openLoop;

const scenario: Scenario = {
  name: 'webhook-ack',
  issue: 4,
  description: 'POST /lark/events (encrypted, signed, recorded in the inbox) at a sustained 200 events/s vs a bare koa route at the same rate',
  database: 'any',
  targets: ['webhook-ack.p99'],
  async run(h: Harness) {
    const rate = h.smoke ? 50 : 200;
    const seconds = h.smoke ? 0.4 : 5;
    const rounds = 3;
    const reps = await h.db.select<{ lark_open_id: string }>('SELECT lark_open_id FROM users WHERE lark_open_id IS NOT NULL ORDER BY id LIMIT 50');
    const openIds = reps.length ? reps.map((r) => r.lark_open_id) : ['ou_bench_nobody'];
    const [maxOut] = await h.db.select<{ m: number | null }>('SELECT MAX(id) AS m FROM outbox');
    const server = await h.startServer({ env: { LARK_ENCRYPT_KEY: SECRETS.encryptKey, LARK_VERIFICATION_TOKEN: SECRETS.verificationToken } });
    const baseline = await h.startBaseline();
    const product: number[][] = [];
    const productSent: number[][] = [];
    const bare: number[][] = [];
    let maxLag = 0;
    let errors = 0;
    let non2xx = 0;
    let status5xx = 0;
    try {
      // Warm-up (not measured): 1 s rounds until two consecutive ones agree within 10% on the median ack (at most 6).
      const warm: number[] = [];
      while (warm.length < (h.smoke ? 1 : 6) && !warmedUp(warm)) {
        const r = await paced(server.url, Array.from({ length: rate }, (_, i) => signedEvent(i, -1 - warm.length, openIds[i % openIds.length])), rate);
        warm.push(percentile(r.lat, 50));
      }
      await paced(baseline.url, Array.from({ length: Math.ceil(rate / 2) }, () => ({ path: '/bare', method: 'GET' as const, headers: {} })), rate);
      for (let round = 0; round < rounds; round++) {
        const events = Array.from({ length: Math.round(rate * seconds) }, (_, i) => signedEvent(i, round, openIds[i % openIds.length]));
        const bares = Array.from({ length: Math.round(rate * seconds) }, () => ({ path: '/bare', method: 'GET' as const, headers: {} }));
        const order = round % 2 === 0 ? ['p', 'b'] : ['b', 'p'];
        for (const o of order) {
          if (o === 'p') {
            const r = await paced(server.url, events, rate);
            product.push(r.lat);
            productSent.push(r.sentLat);
            maxLag = Math.max(maxLag, r.maxSendLagMs);
            errors += r.errors;
            non2xx += r.non2xx;
            status5xx += r.status5xx;
          } else {
            bare.push((await paced(baseline.url, bares, rate)).lat);
          }
        }
      }
      // let the server finish processing what it acknowledged before cleaning up
      await new Promise((r) => setTimeout(r, 1500));
      const [pending] = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM lark_inbox WHERE event_id LIKE :p AND status = 'pending'`, { p: `${TAG}-%` });
      const [done] = await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM lark_inbox WHERE event_id LIKE :p AND status = 'done'`, { p: `${TAG}-%` });
      const p99 = stat(product.map((l) => percentile(l, 99)));
      const p50 = stat(product.map((l) => percentile(l, 50)));
      const b99 = stat(bare.map((l) => percentile(l, 99)));
      const b50 = stat(bare.map((l) => percentile(l, 50)));
      return {
        figures: [
          roundsFigure(`ack p50 at ${rate} events/s (from scheduled send)`, p50, 'ms', undefined, pooledPercentile(product, 50)),
          roundsFigure(`ack p99 at ${rate} events/s (from scheduled send)`, p99, 'ms', 'webhook-ack.p99', pooledPercentile(product, 99)),
          roundsFigure(`ack p99 from actual send (information)`, stat(productSent.map((l) => percentile(l, 99))), 'ms', undefined, pooledPercentile(productSent, 99)),
          roundsFigure(`bare koa route p50 at ${rate} req/s`, b50, 'ms', undefined, pooledPercentile(bare, 50)),
          roundsFigure(`bare koa route p99 at ${rate} req/s`, b99, 'ms', undefined, pooledPercentile(bare, 99)),
          { name: 'events processed after ack (within 1.5 s of the last)', value: Number(done.n), unit: 'count' },
          { name: 'events still pending then', value: Number(pending.n), unit: 'count' },
        ],
        notes: [
          `open-loop pacing from the bench process, ${rounds} rounds × ${seconds} s, alternating with the baseline; latency from each event's scheduled send time (the sender was at most ${maxLag.toFixed(1)} ms late); errors ${errors}, non-2xx ${non2xx}, 5xx ${status5xx}`,
          `warm-up rounds (median ack, ms): ${warm.map((x) => x.toFixed(1)).join(', ')}`,
        ],
        details: { rate, seconds, rounds, errors, non2xx, status5xx, maxSendLagMs: maxLag, warmup: warm },
      };
    } finally {
      await h.db.sequelize.query('DELETE FROM lark_inbox WHERE event_id LIKE :p', { replacements: { p: `${TAG}-%` }, type: QueryTypes.DELETE });
      await h.db.sequelize.query("DELETE FROM outbox WHERE id > :m AND kind IN ('help', 'text')", { replacements: { m: Number(maxOut?.m ?? 0) }, type: QueryTypes.DELETE });
    }
  },
};
export default scenario;
