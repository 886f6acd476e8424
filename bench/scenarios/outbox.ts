import { QueryTypes } from 'sequelize';
import type { Harness, Scenario } from '../types';
import { createContext } from '../../core/compose';
import { enqueueMessages } from '../../core/notifications/outbox';
import { OutboxWorker } from '../../bot/outbox/worker';
import { createLogger } from '../../server/logger';
import { FakeLark } from '../../tests/helpers/fake-lark';

/**
 * Outbox throughput: N text messages to 50 receivers enqueued at once, delivered by the real outbox worker
 * (bot/outbox/worker.ts: lease, render, SDK Client send with uuid, settle) to the local fake Lark Open API,
 * which enforces the real limits (50/s per app, 5/s per receiver, per aligned second) and answers 429 beyond.
 * Figures: delivered messages/s as a fraction of the 50/s app limit, and 429s the fake had to send (caused by us).
 * Other pending outbox rows are held aside during the run and restored; the run's rows are removed.
 */
const scenario: Scenario = {
  name: 'outbox',
  issue: 4,
  description: 'outbox delivery rate through the SDK Client against the fake Lark enforcing 50/s per app, 5/s per receiver',
  database: 'any',
  targets: ['outbox.fraction', 'outbox.429s'],
  async run(h: Harness) {
    const n = h.smoke ? 60 : 600;
    const receivers = 50;
    const fake = await FakeLark.start();
    const core = createContext(h.db);
    const logger = createLogger('error');
    const tag = `bench-outbox-${process.pid}`;
    // Keep rows other scenarios left pending out of this run.
    await h.db.sequelize.query("UPDATE outbox SET status = 'bench_hold' WHERE status IN ('pending', 'sending')", { type: QueryTypes.UPDATE });
    try {
      await core.db.tx((t) =>
        enqueueMessages(
          core,
          t,
          Array.from({ length: n }, (_, i) => ({ to: { openId: `ou_bench_out_${i % receivers}` }, kind: 'text', payload: { text: `${tag} ${i}` }, dedupeKey: `${tag}:${i}` })),
        ),
      );
      const worker = new OutboxWorker({ core, logger, client: fake.client() });
      const t0 = Date.now();
      await worker.drain(120_000);
      const seconds = (Date.now() - t0) / 1000;
      const delivered = fake.messages.length;
      const first = fake.messages[0]?.at ?? t0;
      const last = fake.messages.at(-1)?.at ?? t0;
      const rate = delivered / seconds;
      return {
        figures: [
          { name: `delivered msg/s (${n} messages, ${receivers} receivers)`, value: rate, unit: 'msg/s' },
          { name: 'fraction of the 50/s app limit', value: rate / 50, unit: 'ratio', target: 'outbox.fraction' },
          { name: '429s caused by us', value: fake.stats.rateLimited, unit: 'count', target: 'outbox.429s' },
          { name: 'messages delivered', value: delivered, unit: 'count' },
          { name: 'duplicates (same uuid twice)', value: fake.stats.duplicateUuids, unit: 'count' },
          { name: 'first → last delivery', value: (last - first) / 1000, unit: 's' },
        ],
        notes: ['rate = delivered / (worker start → outbox drained), token fetch and the first partial second included'],
        details: { n, receivers, seconds, stats: fake.stats },
      };
    } finally {
      await h.db.sequelize.query('DELETE FROM outbox WHERE dedupe_key LIKE :p', { replacements: { p: `${tag}:%` }, type: QueryTypes.DELETE });
      await h.db.sequelize.query("UPDATE outbox SET status = 'pending', lease_owner = NULL, lease_until = NULL WHERE status = 'bench_hold'", { type: QueryTypes.UPDATE });
      await fake.close();
    }
  },
};
export default scenario;
