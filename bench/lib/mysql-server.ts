import type { Db } from '../../core/db/connection';

/**
 * The MySQL server a full-scale run measures. The full data set is ~1.3 GB (customers with their indexes 0.55 GB,
 * activities 0.75 GB). Out of the box MariaDB and MySQL give InnoDB a 128 MB buffer pool, a size meant for a
 * laptop: on it the recycle job read ~25,000 pages from disk per run and took 3.0 s, the same code 1.6 s on a pool
 * that holds the customer table (both measured on one machine, stop 13). A server for a million customers has its
 * pool sized to its hot data (the first thing every MySQL deployment guide sets), so a full-scale run measures such a
 * server: it grows innodb_buffer_pool_size to BENCH_MYSQL_BUFFER_POOL (default 1G; `keep` leaves the server as it
 * is; never shrinks it) for the run, warms the customer table into the new pool as a server that has worked all day
 * has it, and gives the old size back afterwards. The size in use is part of every result's machine line.
 */
export interface BufferPool {
  mb: number;
  restore(): Promise<void>;
}

const sizeOf = async (db: Db): Promise<number> => Number((await db.select<{ v: string }>('SELECT @@innodb_buffer_pool_size AS v'))[0].v);

export function parseSize(spec: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)b?$/i.exec(spec.trim());
  if (!m) return null;
  const unit = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 }[m[2].toLowerCase() as '' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * unit);
}

export async function configureBufferPool(db: Db, spec: string, log: (line: string) => void): Promise<BufferPool> {
  const before = await sizeOf(db);
  const keep: BufferPool = { mb: Math.round(before / 2 ** 20), restore: async () => undefined };
  if (spec === 'keep') return keep;
  const want = parseSize(spec);
  if (want === null) throw new Error(`BENCH_MYSQL_BUFFER_POOL: "${spec}" is not a size (e.g. 1G, 768M) or "keep"`);
  if (before >= want) return keep;
  try {
    await resize(db, want);
  } catch (e) {
    log(`buffer pool: could not grow it to ${spec} (${e instanceof Error ? e.message : String(e)}); measuring the server as it is`);
    return keep;
  }
  const now = await sizeOf(db);
  if (now <= before) {
    log(`buffer pool: the server kept ${Math.round(before / 2 ** 20)} MB; measuring it as it is`);
    return keep;
  }
  log(`buffer pool: ${Math.round(before / 2 ** 20)} MB → ${Math.round(now / 2 ** 20)} MB for this run; warming the customer table`);
  // Every index of customers read once, so no scenario's first round pays for pages a working server would hold.
  const indexes = await db.select<{ Key_name: string }>('SHOW INDEX FROM customers');
  for (const name of [...new Set(indexes.map((i) => i.Key_name))]) await db.select(`SELECT COUNT(*) AS n FROM customers FORCE INDEX (\`${name.replace(/`/g, '')}\`)`);
  return {
    mb: Math.round(now / 2 ** 20),
    restore: async () => {
      await resize(db, before).catch((e) => log(`buffer pool: could not restore ${before} bytes: ${e instanceof Error ? e.message : String(e)}`));
    },
  };
}

/** SET GLOBAL returns once the resize has started; it has finished when the status no longer says it is under way. */
async function resize(db: Db, bytes: number): Promise<void> {
  await db.sequelize.query(`SET GLOBAL innodb_buffer_pool_size = ${Math.round(bytes)}`);
  for (let waited = 0; waited < 60_000; waited += 250) {
    const status = await db.select<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Innodb_buffer_pool_resize_status'");
    const text = status[0]?.Value ?? '';
    if (!/resiz|withdraw|allocat/i.test(text) || /complete/i.test(text)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('the resize did not finish within 60 s');
}
