import { createContext } from '../../core/compose';
import { enqueueMessages } from '../../core/notifications/outbox';
import { nudgeOutbox } from '../../bot/outbox/nudge';
import { OutboxWorker } from '../../bot/outbox/worker';
import { describeEachDb } from '../helpers/db';
import { memoryLogger } from '../helpers/app';
import { FakeLark } from '../helpers/fake-lark';

/**
 * A nudge (rows just committed) that arrives while a round is running — after its SELECT found nothing — must not be
 * lost: the worker runs again at once instead of sleeping its poll interval (it was up to 500 ms of a chat answer's
 * round trip, the sandbox bench's tail).
 */
describeEachDb('outbox worker: a nudge during a round is not lost', (h) => {
  it('delivers a row nudged while an empty round runs without waiting for the next poll', async () => {
    const lark = await FakeLark.start();
    const core = createContext(h.db);
    const w = new OutboxWorker({ core, logger: memoryLogger('error').logger, client: lark.client(), pollMs: 60_000 });
    const runOnce = w.runOnce.bind(w);
    let injected = false;
    // The first empty round: the row commits and the nudge fires after the round's SELECT, before it returns.
    w.runOnce = async (...args: Parameters<typeof runOnce>) => {
      const r = await runOnce(...args);
      if (!injected && r.leased === 0) {
        injected = true;
        await core.db.tx((t) => enqueueMessages(core, t, [{ to: { openId: 'ou_nudge' }, kind: 'text', payload: { text: 'nudged' } }]));
        nudgeOutbox();
      }
      return r;
    };
    try {
      const t0 = Date.now();
      w.start();
      for (let i = 0; i < 100 && !lark.messagesTo('ou_nudge').length; i++) await new Promise((r) => setTimeout(r, 50));
      expect(injected).toBe(true);
      expect(lark.messagesTo('ou_nudge').map((m) => m.content)).toEqual([{ text: 'nudged' }]);
      expect(Date.now() - t0).toBeLessThan(5_000); // not the 60 s poll
    } finally {
      await w.stop();
      await lark.close();
    }
  });
});
