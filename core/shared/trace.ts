import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * What the current work was caused by: an HTTP request, a Lark event, a scheduled job. The server's logger adds it to
 * every line (server/logger.ts, a pino mixin), so a request's or an event's log lines can be found by its id, also in
 * the work it causes after the answer (the inbox processing after Lark's 200, the outbox deliveries it enqueued: the
 * outbox row keeps the origin, `originOf` / `traceOfOrigin`).
 */
export interface Trace {
  requestId?: string;
  eventId?: string;
  job?: string;
}

const store = new AsyncLocalStorage<Trace>();

export function currentTrace(): Trace | undefined {
  return store.getStore();
}

/** Runs `fn` with `trace` added to the current one (an event inside a request keeps the request id too). */
export function withTrace<T>(trace: Trace, fn: () => T): T {
  const merged = { ...store.getStore(), ...trace };
  return store.run(merged, fn);
}

/** The most specific origin of the current work, as stored with an outbox row: `event:<id>`, `request:<id>`, `job:<name>`. */
export function originOf(trace: Trace | undefined = currentTrace()): string | null {
  if (!trace) return null;
  const o = trace.eventId ? `event:${trace.eventId}` : trace.requestId ? `request:${trace.requestId}` : trace.job ? `job:${trace.job}` : null;
  return o ? o.slice(0, 160) : null;
}

/** The trace an origin string stands for (unknown or empty: none). */
export function traceOfOrigin(origin: string | null | undefined): Trace {
  const m = /^(event|request|job):(.+)$/.exec(origin ?? '');
  if (!m) return {};
  return m[1] === 'event' ? { eventId: m[2] } : m[1] === 'request' ? { requestId: m[2] } : { job: m[2] };
}
