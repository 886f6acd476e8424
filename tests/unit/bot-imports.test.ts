import fs from 'node:fs';
import path from 'node:path';
import { tsFiles } from '../helpers/source-files';

/** Arrows run server → bot → core: the bot gets its configuration, logger and types from the process that composes it. */
const BOT = path.resolve(__dirname, '../../bot');
const FORBIDDEN = /(from\s+|import\(\s*|require\(\s*)['"](\.\.\/)+server(\/.*)?['"]/;
/** Nor does it read the environment itself (server/config.ts builds its BotConfig). */
const READS_ENV = /\bloadConfig\(|\bprocess\.env\b/;

describe('bot/ imports no server/ module and reads no environment', () => {
  it('has files to check', () => {
    expect(tsFiles(BOT).length).toBeGreaterThan(5);
  });
  it.each(tsFiles(BOT).map((f) => [path.relative(BOT, f), f]))('%s', (_rel, file) => {
    const offending = fs.readFileSync(file, 'utf8').split('\n').filter((l) => FORBIDDEN.test(l) || READS_ENV.test(l));
    expect(offending).toEqual([]);
  });
  it('the check itself catches a server import', () => {
    expect(FORBIDDEN.test(`import { loadConfig } from '../server/config';`)).toBe(true);
    expect(FORBIDDEN.test(`import type { Logger } from '../../server/logger';`)).toBe(true);
    expect(FORBIDDEN.test(`} from "../server";`)).toBe(true);
    expect(FORBIDDEN.test(`const { startJobs } = await import('../../server/jobs');`)).toBe(true);
    expect(READS_ENV.test(`const cfg = loadConfig(process.env);`)).toBe(true);
    expect(FORBIDDEN.test(`import type { Logger } from 'pino';`)).toBe(false);
    expect(FORBIDDEN.test(`import { botFor } from './instance';`)).toBe(false);
    expect(FORBIDDEN.test(`import { OutboxWorker } from './outbox/server-worker';`)).toBe(false);
  });
});
