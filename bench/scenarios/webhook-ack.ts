import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { QueryTypes } from 'sequelize';
import type { Harness, Scenario } from '../types';
import { percentile, stat } from '../lib/stats';
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

/** Open-loop pacing: request i is sent at start + i/rate whatever the previous answers did. */
async function paced(base: string, reqs: Req[], rate: number): Promise<{ lat: number[]; errors: number; non2xx: number; status5xx: number }> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const url = new URL(base);
  const lat: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let status5xx = 0;
  const start = performance.now();
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < reqs.length; i++) {
    const due = start + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const r = reqs[i];
    inflight.push(
      new Promise<void>((resolve) => {
        const t0 = performance.now();
        const req = http.request({ host: url.hostname, port: url.port, path: r.path, method: r.method, headers: r.headers, agent, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            lat.push(performance.now() - t0);
            if (!res.statusCode || res.statusCode >= 300) non2xx++;
            if ((res.statusCode ?? 0) >= 500) status5xx++;
            resolve();
          });
        });
        req.on('error', () => {
          errors++;
          resolve();
        });
        req.on('timeout', () => req.destroy());
        req.end(r.body);
      }),
    );
  }
  await Promise.all(inflight);
  agent.destroy();
  return { lat, errors, non2xx, status5xx };
}

const scenario: Scenario = {
  name: 'webhook-ack',
  issue: 4,
  description: 'POST /lark/events (encrypted, signed, recorded in the inbox) at a sustained 200 events/s vs a bare koa route at the same rate',
  database: 'any',
  targets: ['webhook-ack.p99'],
  async run(h: Harness) {
    const rate = h.smoke ? 50 : 200;
    const seconds = h.smoke ? 1 : 5;
    const rounds = h.smoke ? 1 : 3;
    const reps = await h.db.select<{ lark_open_id: string }>('SELECT lark_open_id FROM users WHERE lark_open_id IS NOT NULL ORDER BY id LIMIT 50');
    const openIds = reps.length ? reps.map((r) => r.lark_open_id) : ['ou_bench_nobody'];
    const [maxOut] = await h.db.select<{ m: number | null }>('SELECT MAX(id) AS m FROM outbox');
    const server = await h.startServer({ env: { LARK_ENCRYPT_KEY: SECRETS.encryptKey, LARK_VERIFICATION_TOKEN: SECRETS.verificationToken } });
    const baseline = await h.startBaseline();
    const product: number[][] = [];
    const bare: number[][] = [];
    let errors = 0;
    let non2xx = 0;
    let status5xx = 0;
    try {
      // warm-up (not measured)
      await paced(server.url, Array.from({ length: Math.ceil(rate / 2) }, (_, i) => signedEvent(i, -1, openIds[i % openIds.length])), rate);
      await paced(baseline.url, Array.from({ length: Math.ceil(rate / 2) }, () => ({ path: '/bare', method: 'GET' as const, headers: {} })), rate);
      for (let round = 0; round < rounds; round++) {
        const events = Array.from({ length: rate * seconds }, (_, i) => signedEvent(i, round, openIds[i % openIds.length]));
        const bares = Array.from({ length: rate * seconds }, () => ({ path: '/bare', method: 'GET' as const, headers: {} }));
        const order = round % 2 === 0 ? ['p', 'b'] : ['b', 'p'];
        for (const o of order) {
          if (o === 'p') {
            const r = await paced(server.url, events, rate);
            product.push(r.lat);
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
          { name: `ack p50 at ${rate} events/s`, value: p50.median, noise: p50.noise, unit: 'ms' },
          { name: `ack p99 at ${rate} events/s`, value: p99.median, noise: p99.noise, unit: 'ms', target: 'webhook-ack.p99' },
          { name: `bare koa route p50 at ${rate} req/s`, value: b50.median, noise: b50.noise, unit: 'ms' },
          { name: `bare koa route p99 at ${rate} req/s`, value: b99.median, noise: b99.noise, unit: 'ms' },
          { name: 'events processed after ack (within 1.5 s of the last)', value: Number(done.n), unit: 'count' },
          { name: 'events still pending then', value: Number(pending.n), unit: 'count' },
        ],
        notes: [`open-loop pacing from the bench process, ${rounds} rounds × ${seconds} s, alternating with the baseline; errors ${errors}, non-2xx ${non2xx}, 5xx ${status5xx}`],
        details: { rate, seconds, rounds, errors, non2xx, status5xx },
      };
    } finally {
      await h.db.sequelize.query('DELETE FROM lark_inbox WHERE event_id LIKE :p', { replacements: { p: `${TAG}-%` }, type: QueryTypes.DELETE });
      await h.db.sequelize.query("DELETE FROM outbox WHERE id > :m AND kind IN ('help', 'text')", { replacements: { m: Number(maxOut?.m ?? 0) }, type: QueryTypes.DELETE });
    }
  },
};
export default scenario;
