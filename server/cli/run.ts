import { AppError } from '../../core/errors';
import { problemText, textProblem } from '../../core/shared/input';
import { createDb } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { loadConfig, ConfigError } from '../config';
import { createCore } from '../compose';
import { COMMANDS } from './commands';
import type { CliIo } from './types';

export const stdio: CliIo = {
  out: (l) => process.stdout.write(l + '\n'),
  err: (l) => process.stderr.write(l + '\n'),
};

/** Runs one CLI invocation; returns the exit code. Used by server/cli.ts and by the tests. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = process.env, io: CliIo = stdio): Promise<number> {
  const words = argv.filter((a) => !a.startsWith('-'));
  const command = [...COMMANDS]
    .sort((a, b) => b.name.length - a.name.length)
    .find((c) => c.name.split(' ').every((w, i) => words[i] === w));
  if (!command) {
    io.err('usage: npm run crm -- <command>\n' + COMMANDS.map((c) => `  ${c.usage}`).join('\n'));
    return argv.length === 0 || argv[0] === 'help' || argv[0] === '--help' ? 0 : 2;
  }
  const rest = argv.slice(argv.indexOf(command.name.split(' ').at(-1)!) + 1);
  // The input policy (core/shared/input.ts) for every argument, before any command runs: one line naming it.
  for (const [i, a] of rest.entries()) {
    const p = textProblem(a);
    if (p) {
      const name = a.startsWith('--') ? a.split('=')[0].slice(0, 40) : rest[i - 1]?.startsWith('--') ? rest[i - 1].split('=')[0].slice(0, 40) : `argument ${i + 1}`;
      io.err(`${command.name}: ${name} ${problemText(p).en}`);
      return 2;
    }
  }
  let config;
  try {
    config = loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(e.message);
      return 2;
    }
    throw e;
  }
  const db = command.needsDb ? createDb(config.databaseUrl) : null;
  try {
    let core = null;
    if (db) {
      if (command.name !== 'migrate') await migrate(db);
      core = createCore(db, config);
    }
    return await command.run(rest, { core, config, io });
  } catch (e) {
    if (e instanceof AppError) {
      io.err(`${e.code}: ${e.localized(config.locale)}`);
      return 1;
    }
    if (e instanceof TypeError && /parseArgs|Unknown option|ERR_PARSE_ARGS/.test(`${(e as { code?: string }).code} ${e.message}`)) {
      io.err(`${e.message}\nusage: ${command.usage}`);
      return 2;
    }
    throw e;
  } finally {
    await db?.close();
  }
}
