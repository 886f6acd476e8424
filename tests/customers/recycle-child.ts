/**
 * A separate, plain Node process running the recycle job (used by tests/customers/pool-recycle.test.ts): jest
 * catches unhandled rejections itself, so whether a failed lane would end the server can only be seen here, where
 * Node's default (throw) applies. Every scanned page is slowed down, so the lanes fail while the scans still run.
 * Env: DB_URL, NOW (ISO). Prints `resolved` or `rejected: <message>`.
 */
import { createDb } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { ManualClock } from '../../core/ports';
import { runRecycle } from '../../core/pool/recycle';

const db = createDb(process.env.DB_URL!);
const ctx = createContext(db, { clock: new ManualClock(new Date(process.env.NOW!)) });
ctx.registry.recycleExclusion('child.slow-pages', 'other', async () => {
  await new Promise((r) => setTimeout(r, 40));
  return [];
});
runRecycle(ctx, { batchSize: 2, chunkSize: 2, concurrency: 2 })
  .then(
    () => process.stdout.write('resolved\n'),
    (e: Error & { original?: Error }) => process.stdout.write(`rejected: ${e.message} ${e.original?.message ?? ''}\n`), // SQLite's error sits under Sequelize's
  )
  .finally(() => db.close());
