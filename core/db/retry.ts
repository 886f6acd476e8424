import type { Dialect } from './types';

const MAX_TX_ATTEMPTS = 4;

/** Whether a failed transaction may simply be run again: a MySQL deadlock or lock-wait timeout, a busy SQLite file. */
function isRetryable(dialect: Dialect, e: unknown): boolean {
  // Sequelize wraps the driver's error in `parent`; statements sent straight through mysql2 throw it bare.
  const err = e as { parent?: { errno?: number; code?: string }; original?: { code?: string }; errno?: number; code?: string };
  const code = err?.parent?.code ?? err?.original?.code ?? err?.code;
  const errno = err?.parent?.errno ?? err?.errno;
  if (dialect === 'mysql') return errno === 1213 || errno === 1205 || code === 'ER_LOCK_DEADLOCK';
  return code === 'SQLITE_BUSY';
}

/** Runs `fn`, and again (up to MAX_TX_ATTEMPTS in all, after a short random pause) while it fails retryably. */
export async function withRetries<T>(dialect: Dialect, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e) {
      if (attempt >= MAX_TX_ATTEMPTS || !isRetryable(dialect, e)) throw e;
      await new Promise((r) => setTimeout(r, 10 * attempt + Math.random() * 20));
    }
  }
}
