/**
 * `npm run crm -- doctor`: checks the deployment's database settings the figures in bench/README.md assume.
 * On MySQL/MariaDB: is InnoDB's buffer pool at least as large as the customer tables (customers, contacts,
 * activities) with their indexes? Smaller, and the 360 view, search and the recycle job read from disk (the bench
 * measured the recycle job at 2.3–3.6 s on the 128 MB default against 1.3–1.7 s with the tables in memory, 1M
 * customers). The server logs the same warning at start-up (server/process.ts). SQLite: nothing to check.
 */
import type { Db } from '../../core/db/connection';
import type { CliCommand } from './types';

export const CUSTOMER_TABLES = ['customers', 'contacts', 'activities'] as const;

export interface BufferPoolFigures {
  poolBytes: number;
  /** data_length + index_length per customer table present. */
  tables: { name: string; bytes: number }[];
}

export interface BufferPoolCheck {
  ok: boolean;
  poolBytes: number;
  tableBytes: number;
  /** A pool that holds the tables with a quarter to spare, rounded up to 128 MB. */
  suggestedBytes: number;
  message: string;
}

const MB = 2 ** 20;
const size = (b: number) => (b >= 1024 * MB ? `${(b / (1024 * MB)).toFixed(2)} GB` : `${Math.round(b / MB)} MB`);

/** Pure: compares the pool with the tables and words the result in zh-CN (default) or English. */
export function bufferPoolCheck(f: BufferPoolFigures, locale: 'zh-CN' | 'en' = 'zh-CN'): BufferPoolCheck {
  const tableBytes = f.tables.reduce((s, t) => s + t.bytes, 0);
  const suggestedBytes = Math.ceil((tableBytes * 1.25) / (128 * MB)) * 128 * MB;
  const ok = f.poolBytes >= tableBytes;
  const list = f.tables.map((t) => `${t.name} ${size(t.bytes)}`).join(locale === 'en' ? ', ' : '，');
  let message: string;
  if (locale === 'en') {
    message = ok
      ? `InnoDB buffer pool ${size(f.poolBytes)} holds the customer tables with their indexes (${size(tableBytes)}: ${list}).`
      : `InnoDB buffer pool (innodb_buffer_pool_size) is ${size(f.poolBytes)}, smaller than the customer tables with their indexes (${size(tableBytes)}: ${list}): ` +
        `the 360 view, search and the recycle job will read from disk. Set innodb_buffer_pool_size to at least ${size(suggestedBytes)} (README, "Production").`;
  } else {
    message = ok
      ? `InnoDB 缓冲池 ${size(f.poolBytes)} 容得下客户相关表及其索引（共 ${size(tableBytes)}：${list}）。`
      : `InnoDB 缓冲池（innodb_buffer_pool_size）为 ${size(f.poolBytes)}，小于客户相关表及其索引（共 ${size(tableBytes)}：${list}）：` +
        `360 视图、搜索和回收任务将从磁盘读取。请把 innodb_buffer_pool_size 设为至少 ${size(suggestedBytes)}（见 README 的 “Production” 一节）。`;
  }
  return { ok, poolBytes: f.poolBytes, tableBytes, suggestedBytes, message };
}

/** Reads the figures (read-only: a SELECT of a variable and of information_schema); null on SQLite. */
export async function readBufferPoolFigures(db: Db): Promise<BufferPoolFigures | null> {
  if (db.dialect !== 'mysql') return null;
  const [pool] = await db.select<{ v: string | number }>('SELECT @@innodb_buffer_pool_size AS v');
  const rows = await db.select<{ name: string; bytes: string | number }>(
    `SELECT table_name AS name, COALESCE(data_length, 0) + COALESCE(index_length, 0) AS bytes
       FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name IN (:names) ORDER BY table_name`,
    { names: [...CUSTOMER_TABLES] },
  );
  return { poolBytes: Number(pool.v), tables: rows.map((r) => ({ name: String(r.name), bytes: Number(r.bytes) })) };
}

/** The check for a database, or null when there is nothing to check (SQLite). */
export async function checkBufferPool(db: Db, locale: 'zh-CN' | 'en' = 'zh-CN'): Promise<BufferPoolCheck | null> {
  const f = await readBufferPoolFigures(db);
  return f ? bufferPoolCheck(f, locale) : null;
}

export const doctor: CliCommand = {
  name: 'doctor',
  usage: 'doctor                       (checks database settings: InnoDB buffer pool against the customer tables)',
  needsDb: true,
  async run(_args, { core, config, io }) {
    const db = core!.db;
    const c = await checkBufferPool(db, config.locale);
    const en = config.locale === 'en';
    if (!c) {
      io.out(en ? `database: ${db.dialect}; no server settings to check.` : `数据库：${db.dialect}；没有需要检查的服务器设置。`);
      return 0;
    }
    if (c.ok) io.out(c.message);
    else io.err((en ? 'warning: ' : '警告：') + c.message);
    return 0;
  },
};
