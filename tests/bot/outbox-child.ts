/**
 * A separate process running the real outbox worker against a database and the fake Lark (used by
 * tests/bot/outbox.test.ts to kill a worker mid-delivery). Env: DB_URL, FAKE_URL, FAKE_APP_ID, FAKE_APP_SECRET, LEASE_MS.
 */
import * as lark from '@larksuiteoapi/node-sdk';
import { createDb } from '../../core/db/connection';
import { createContext } from '../../core/compose';
import { createLogger } from '../../server/logger';
import { OutboxWorker } from '../../bot/outbox/worker';

const db = createDb(process.env.DB_URL!);
const core = createContext(db);
const client = new lark.Client({ appId: process.env.FAKE_APP_ID!, appSecret: process.env.FAKE_APP_SECRET!, domain: process.env.FAKE_URL!, cache: new lark.DefaultCache(), loggerLevel: lark.LoggerLevel.fatal, logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined, trace: () => undefined } });
const worker = new OutboxWorker({ core, logger: createLogger('silent'), client, leaseMs: Number(process.env.LEASE_MS ?? 3000), batchSize: 30, owner: 'child' });
worker.start();
process.stdout.write('started\n');
