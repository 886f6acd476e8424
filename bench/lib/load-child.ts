/** Child process: runs autocannon so load generation never shares an event loop with the measured server. */
import autocannon from 'autocannon';
import { serve } from './child';
import { openLoop } from './open-loop';
import { percentile } from './stats';

export interface LoadRun {
  url: string;
  requests: { method?: string; path: string; headers?: Record<string, string>; body?: string }[];
  connections: number;
  durationSec: number;
  /** Open loop at this many requests/s, latency from the scheduled send time (bench/lib/open-loop.ts). */
  rate?: number;
}

export interface LoadRunResult {
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  errors: number;
  non2xx: number;
  status5xx: number;
  /** Every answer's latency (ms), for percentiles pooled over rounds. */
  latencies: number[];
}

async function closedLoop(o: LoadRun): Promise<LoadRunResult> {
  // One stream of requests shared by every connection (not each connection walking the same list in lockstep),
  // so a list drawn from a distribution is visited as drawn.
  let next = 0;
  const list = o.requests;
  const latencies: number[] = [];
  const instance = autocannon({
    url: o.url,
    connections: o.connections,
    duration: o.durationSec,
    requests: [
      {
        setupRequest: (req: autocannon.Request) => {
          const r = list[next++ % list.length];
          return { ...req, method: (r.method ?? 'GET') as autocannon.Request['method'], path: r.path, headers: { ...(req.headers ?? {}), ...(r.headers ?? {}) }, body: r.body };
        },
      } as autocannon.Request,
    ],
    timeout: 10,
    // autocannon ends a run at its next sample tick (1 s by default): short (smoke) rounds tick as often as they last
    sampleInt: Math.max(50, Math.min(1000, Math.round(o.durationSec * 1000))),
  } as autocannon.Options) as unknown as Promise<autocannon.Result> & { on(event: 'response', fn: (client: unknown, status: number, bytes: number, ms: number) => void): void };
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const r = await instance;
  const ok = r['2xx'];
  return {
    rps: ok / Math.max(r.duration, 1e-9),
    p50: latencies.length ? percentile(latencies, 50) : r.latency.p50,
    p99: latencies.length ? percentile(latencies, 99) : r.latency.p99,
    requests: r.requests.total,
    errors: r.errors + r.timeouts,
    non2xx: r.non2xx,
    status5xx: r['5xx'],
    latencies,
  };
}

async function open(o: LoadRun): Promise<LoadRunResult> {
  const count = Math.max(1, Math.round((o.rate as number) * o.durationSec));
  const reqs = Array.from({ length: count }, (_, i) => o.requests[i % o.requests.length]);
  const r = await openLoop(o.url, reqs, o.rate as number, o.connections);
  return {
    rps: (r.lat.length - r.non2xx) / Math.max(r.seconds, 1e-9),
    p50: percentile(r.lat, 50),
    p99: percentile(r.lat, 99),
    requests: count,
    errors: r.errors,
    non2xx: r.non2xx,
    status5xx: r.status5xx,
    latencies: r.lat,
  };
}

serve({
  run: async (m) => {
    const o = m.run as LoadRun;
    return { result: o.rate ? await open(o) : await closedLoop(o) };
  },
});
process.send?.({ type: 'ready' });
