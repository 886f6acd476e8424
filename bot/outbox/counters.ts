/**
 * What this process's outbox workers did since it started, read by the process's metrics (server/metrics.ts) on each
 * scrape. Plain numbers on purpose: the bot knows nothing of the metrics library, and a Prometheus counter is per process.
 */
export const outboxCounters = {
  sent: 0,
  retried: 0,
  failed: 0,
  deferred: 0,
  /** Answers of the Lark Open API that were rate limits (HTTP 429 or code 99991400). */
  rateLimited: 0,
};
