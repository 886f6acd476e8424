/** Child process: runs autocannon so load generation never shares an event loop with the measured server. */
import autocannon from 'autocannon';
import { serve } from './child';

export interface LoadRun {
  url: string;
  requests: { method?: string; path: string; headers?: Record<string, string>; body?: string }[];
  connections: number;
  durationSec: number;
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
}

serve({
  run: async (m) => {
    const o = m.run as LoadRun;
    const r = await autocannon({
      url: o.url,
      connections: o.connections,
      duration: o.durationSec,
      overallRate: o.rate,
      requests: o.requests as autocannon.Request[],
      timeout: 10,
    });
    const ok = r['2xx'];
    const out: LoadRunResult = {
      rps: ok / Math.max(r.duration, 1e-9),
      p50: r.latency.p50,
      p99: r.latency.p99,
      requests: r.requests.total,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
      status5xx: r['5xx'],
    };
    return { result: out };
  },
});
process.send?.({ type: 'ready' });
