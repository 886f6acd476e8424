import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import mysql from 'mysql2/promise';
import { QueryTypes } from 'sequelize';
import { createDb, type Db } from '../../core/db/connection';
import { migrate } from '../../core/db/migrator';
import { roundsFigure } from '../lib/harness';
import { stat } from '../lib/stats';
import type { Harness, Scenario } from '../types';
import { createContext } from '../../core/compose';
import { syncOrg } from '../../core/org/sync';
import { isEmptyDiff } from '../../core/org/reconcile';
import { CONTACT_LIMITS, LarkOrgDirectory } from '../../bot/org-directory';
import { FakeLark } from '../../tests/helpers/fake-lark';
import { generateOrg } from '../../tests/helpers/org-gen';

/**
 * Org sync: a full sync of a 10,000-person company (600 departments, a leader each) through the real Lark port
 * (bot/org-directory.ts: the SDK client, page tokens, the client-side rate window) against the fake Contact API,
 * which enforces the contact limits (50 requests/s and 1000/min per app) and answers 429 beyond. Each round is a
 * fresh app on a fresh fake (its own limits) into an empty org; the round's people and teams are removed after.
 * Figures: seconds for the first sync (fetch + reconcile + writes), Lark requests made, 429s caused, and the
 * seconds of the second (idempotent) sync, which must change nothing.
 * It runs on its own empty database of the bench's dialect (a temp SQLite file, or a new schema on the bench's MySQL
 * server, dropped after): a full sync deactivates every linked user the directory does not list, and the seeded
 * data's users must stay as they are for the other scenarios.
 */
const scenario: Scenario = {
  name: 'org-sync',
  issue: 26,
  description: 'full org sync of 10,000 users against the fake Contact API at 50 req/s and 1000 req/min; requests made, 429s caused',
  database: 'any',
  targets: ['org-sync.seconds', 'org-sync.429s'],
  async run(h: Harness) {
    const users = h.smoke ? 300 : 10_000;
    const departments = h.smoke ? 20 : 600;
    const rounds = h.smoke ? 1 : 3;
    const own = await ownDatabase(h.databaseUrl, h.dialect);
    const core = createContext(own.db);
    const cleanup = async (prefix: string) => {
      const like = { u: `ou_${prefix}%`, d: `od-${prefix}%` };
      await own.db.sequelize.query('DELETE FROM users WHERE lark_open_id LIKE :u', { replacements: like, type: QueryTypes.DELETE });
      await own.db.sequelize.query('DELETE FROM teams WHERE lark_department_id LIKE :d', { replacements: like, type: QueryTypes.DELETE });
      await own.db.sequelize.query('DELETE FROM org_users WHERE open_id LIKE :u', { replacements: like, type: QueryTypes.DELETE });
      await own.db.sequelize.query('DELETE FROM org_departments WHERE open_department_id LIKE :d', { replacements: like, type: QueryTypes.DELETE });
    };
    try {
    const results: { seconds: number; requests: number; rateLimited: number; added: number; resyncSeconds: number; resyncRequests: number; resyncEmpty: boolean }[] = [];
    for (let r = 0; r < rounds; r++) {
      const prefix = `b${process.pid}r${r}x`;
      const fake = await FakeLark.start({ appId: `cli_bench_org_${process.pid}_${r}` });
      try {
        fake.contact.limits = { ...CONTACT_LIMITS };
        generateOrg(fake.contact, { users, departments, prefix });
        // Only this round's org: earlier mirror rows (another run) must not read as leavers of this company.
        await cleanup(prefix);
        const dir = new LarkOrgDirectory(fake.client());
        const t0 = Date.now();
        const diff = await syncOrg(core, dir, { channel: 'job' });
        const seconds = (Date.now() - t0) / 1000;
        // The second (idempotent) sync only after the last round: right after a first sync it waits for the
        // per-minute window, as it would in production.
        let resync = { seconds: 0, requests: 0, empty: true };
        if (r === rounds - 1) {
          const again = new LarkOrgDirectory(fake.client());
          const t1 = Date.now();
          const second = await syncOrg(core, again, { channel: 'job' });
          resync = { seconds: (Date.now() - t1) / 1000, requests: again.requests, empty: isEmptyDiff(second) };
        }
        results.push({ seconds, requests: dir.requests, rateLimited: fake.contact.stats.rateLimited, added: diff.added.length, resyncSeconds: resync.seconds, resyncRequests: resync.requests, resyncEmpty: resync.empty });
      } finally {
        await cleanup(prefix);
        await fake.close();
      }
    }
    const worst = (f: (x: (typeof results)[number]) => number) => Math.max(...results.map(f));
    return {
      figures: [
        roundsFigure(`first full sync of ${users.toLocaleString('en')} users, ${departments} departments`, stat(results.map((x) => x.seconds)), 's', 'org-sync.seconds', worst((x) => x.seconds)),
        roundsFigure('Lark requests made (first sync)', stat(results.map((x) => x.requests)), 'count'),
        roundsFigure('429s caused by us', stat(results.map((x) => x.rateLimited)), 'count', 'org-sync.429s', worst((x) => x.rateLimited)),
        { name: 'second sync right after (nothing to change; waits for the per-minute window)', value: results.at(-1)?.resyncSeconds ?? 0, unit: 's' },
        { name: 'people added per first sync', value: results[0]?.added ?? 0, unit: 'count' },
      ],
      notes: [
        `limits enforced by the fake and respected by the client: ${CONTACT_LIMITS.perSecond} requests/s, ${CONTACT_LIMITS.perMinute}/min per app; pages of 50`,
        `second sync changed nothing: ${results.every((x) => x.resyncEmpty)} (its requests: ${results.at(-1)?.resyncRequests})`,
      ],
      details: { users, departments, results },
    };
    } finally {
      await own.drop();
    }
  },
};

async function ownDatabase(url: string, dialect: string): Promise<{ db: Db; drop: () => Promise<void> }> {
  if (dialect !== 'mysql') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'crm-bench-org-'));
    const db = createDb(`sqlite:${path.join(dir, 'org.sqlite')}`);
    await migrate(db);
    return { db, drop: async () => { await db.close(); fs.rmSync(dir, { recursive: true, force: true }); } };
  }
  const name = `crm_bench_org_${process.pid}`;
  const admin = await mysql.createConnection(url);
  await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  await admin.end();
  const u = new URL(url);
  u.pathname = `/${name}`;
  const db = createDb(u.toString());
  await migrate(db);
  return {
    db,
    drop: async () => {
      await db.close();
      const c = await mysql.createConnection(url);
      await c.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await c.end();
    },
  };
}

export default scenario;
