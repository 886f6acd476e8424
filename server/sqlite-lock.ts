import fs from 'node:fs';
import os from 'node:os';

/**
 * SQLite stays single-process (its writers are serialised inside one process, core/db/connection.ts): a server
 * takes `<file>.lock` (O_EXCL, holding its pid and host) before opening the file. A second process on the same
 * file refuses to start with a clear message; a lock left by a dead process (same host, pid gone) is taken over.
 * The same process may take it again (tests start and stop servers in one process).
 */
export class SqliteInUseError extends Error {
  constructor(readonly file: string, readonly pid: number, readonly host: string) {
    super(
      `数据库文件 ${file} 正被另一个 CRM 进程使用（${host} 上的 pid ${pid}）：SQLite 只能由一个进程使用。请先停止那个进程，或改用 MySQL（DATABASE_URL=mysql://…）运行多个进程。\n` +
        `The database file ${file} is in use by another CRM process (pid ${pid} on ${host}): SQLite runs one process only. Stop that process first, or use MySQL (DATABASE_URL=mysql://…) to run several.`,
    );
    this.name = 'SqliteInUseError';
  }
}

export interface SqliteLock {
  readonly path: string;
  release(): void;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

export function lockSqliteFile(file: string): SqliteLock {
  const path = `${file}.lock`;
  const mine = `${process.pid}\n${os.hostname()}\n`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      fs.writeFileSync(path, mine, { flag: 'wx' });
      return lockOf(path, mine);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    let holder = '';
    try {
      holder = fs.readFileSync(path, 'utf8');
    } catch {
      continue; // released meanwhile: try again
    }
    const [pidText, host = ''] = holder.split('\n');
    const pid = Number(pidText);
    if (pid === process.pid && host === os.hostname()) return lockOf(path, mine);
    const stale = Number.isInteger(pid) && pid > 0 && host === os.hostname() && !alive(pid);
    if (!stale && holder.trim() !== '') throw new SqliteInUseError(file, pid, host || '?');
    // A dead holder (or a lock file left empty by a crash between create and write): take it over.
    try {
      fs.unlinkSync(path);
    } catch {
      /* someone else took it over first: the next attempt sees theirs */
    }
  }
  throw new Error(`could not take the SQLite lock ${path}`);
}

function lockOf(path: string, mine: string): SqliteLock {
  return {
    path,
    release() {
      try {
        if (fs.readFileSync(path, 'utf8') === mine) fs.unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
