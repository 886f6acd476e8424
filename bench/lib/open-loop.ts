/**
 * Open-loop load: request i is due at start + i/rate whatever earlier answers did, and its latency is charged from
 * that scheduled time (bench/lib/stats.ts scheduledLatencies), so a sender or server that falls behind shows up in
 * the figure instead of being hidden (coordinated omission). Used by open-loop scenarios in-process and by the load
 * child for `LoadOptions.rate`.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';
import { schedule, scheduledLatencies } from './stats';

export interface OpenLoopRequest {
  path: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface OpenLoopResult {
  /** Latency of each answered request from its scheduled send time, ms. */
  lat: number[];
  /** Latency from the actual send (what a closed-loop tool reports), ms: shown beside, never judged. */
  sentLat: number[];
  /** How late the sender was, worst case, ms (0 when it kept the schedule). */
  maxSendLagMs: number;
  seconds: number;
  errors: number;
  non2xx: number;
  status5xx: number;
}

/** `maxSockets`: connections the sender may open at once (a request due while all are busy waits for one, its latency still charged from its due time). */
export async function openLoop(base: string, reqs: OpenLoopRequest[], rate: number, maxSockets = 256): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const url = new URL(base);
  const start = performance.now();
  const due = schedule(start, reqs.length, rate);
  const done: (number | null)[] = new Array(reqs.length).fill(null);
  const sentLat: number[] = [];
  let maxSendLagMs = 0;
  let errors = 0;
  let non2xx = 0;
  let status5xx = 0;
  const inflight: Promise<void>[] = [];
  for (let i = 0; i < reqs.length; i++) {
    const wait = due[i] - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    const r = reqs[i];
    const t0 = performance.now();
    maxSendLagMs = Math.max(maxSendLagMs, t0 - due[i]);
    inflight.push(
      new Promise<void>((resolve) => {
        const req = http.request({ host: url.hostname, port: url.port, path: r.path, method: r.method ?? 'GET', headers: r.headers, agent, timeout: 10_000 }, (res) => {
          res.resume();
          res.on('end', () => {
            const t1 = performance.now();
            done[i] = t1;
            sentLat.push(t1 - t0);
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
  return { lat: scheduledLatencies(due, done), sentLat, maxSendLagMs, seconds: (performance.now() - start) / 1000, errors, non2xx, status5xx };
}
