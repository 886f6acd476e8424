import { createUser } from '../../core/users/operations';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { composeBot } from '../../bot/compose';
import { chatInputProblem, normalizeMessage, storableJson } from '../../bot/normalize';
import { checkRow } from '../../core/leads/import-rules';
import { runCli } from '../../server/cli/run';
import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { cardActionEvent, messageEvent, newEventId, postEvent } from '../helpers/fake-lark';

/**
 * The input policy at the edges that are not HTTP APIs (issue #24): chat messages and card values (answered in the
 * user's language, never a 500, never stored), the CSV import (row and column in the report) and the CLI (one line
 * naming the argument). The HTTP APIs are walked by tests/api/hostile-walk.test.ts.
 */
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };
const HOSTILE = ['客户\u0000名称', '客户\ud800名称', '客户\u202e名称', '客户\u0007名称'];

const registry = composeBot();
let applied = 0;
registry.action('test.note', async () => {
  applied++;
  return { toast: { type: 'success', content: 'ok' } };
});

async function outboxTexts(h: DbHandle, since: number): Promise<string[]> {
  const rows = await h.db.select<{ payload: unknown }>('SELECT payload FROM outbox WHERE id > :since ORDER BY id', { since });
  return rows.map((r) => ((typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as { text?: string }).text ?? '');
}
async function maxId(h: DbHandle, table: string): Promise<number> {
  return Number((await h.db.select<{ n: number | null }>(`SELECT MAX(id) AS n FROM ${table}`))[0].n ?? 0);
}

describeEachDb('the input policy in chat, cards, CSV import and CLI', (h) => {
  let server: ReturnType<import('koa')['callback']>;
  const openId = 'ou_rep_hostile';
  beforeAll(async () => {
    await createUser(h.ctx, { kind: 'system' }, 'cli', { name: '赵敏', role: 'rep', larkOpenId: openId });
    server = (await testApp(h.ctx, [(deps) => larkRouter({ ...deps, registry })], env)).app.callback();
  });
  const idle = () => botFor(h.ctx, memoryLogger().logger).idle();

  it('a chat message with a control character, lone surrogate or bidi override is answered in zh-CN and nothing is created', async () => {
    for (const bad of HOSTILE) {
      const [outbox, customers, leads] = [await maxId(h, 'outbox'), await maxId(h, 'customers'), await maxId(h, 'leads')];
      const res = await postEvent(server, messageEvent({ openId, text: `新客户 ${bad} 电话 13800138000` }), secrets);
      expect(res.status).toBe(200);
      await idle();
      const texts = await outboxTexts(h, outbox);
      expect(texts).toHaveLength(1);
      expect(texts[0]).toContain('未处理');
      expect(await maxId(h, 'customers')).toBe(customers);
      expect(await maxId(h, 'leads')).toBe(leads);
    }
    const rows = await h.db.select<{ status: string; n: number }>("SELECT status, COUNT(*) AS n FROM lark_inbox GROUP BY status");
    expect(rows.map((r) => r.status)).toEqual(['done']);
  });

  it('zero-width joiners and emoji are text', () => {
    const ok = normalizeMessage(messageEvent({ openId, text: '跟进 👨‍👩‍👧 很满意 👍' }) as never)!;
    expect(chatInputProblem(ok)).toBeNull();
  });

  it('a card action whose value or form input holds such text is a toast, not applied', async () => {
    for (const bad of HOSTILE) {
      const before = applied;
      const res = await postEvent(server, cardActionEvent({ openId, value: { action: 'test.note', key: newEventId() }, formValue: { note: bad } }), secrets);
      expect(res.status).toBe(200);
      expect(res.body.toast.type).toBe('error');
      expect(res.body.toast.content).toContain('form.note');
      expect(applied).toBe(before);
    }
  });

  it('the inbox stores a lone surrogate escape as U+FFFD (MariaDB refuses the escape in a JSON column)', () => {
    expect(storableJson({ a: 'x\ud800y', b: 'ok\\ud800', c: '😀', d: 'z\udfffw' })).toBe('{"a":"x\\ufffdy","b":"ok\\\\ud800","c":"😀","d":"z\\ufffdw"}');
  });

  it('CSV import: the row and the column are named, the value is not echoed', () => {
    const row = checkRow(['远航科技', '1380013\u00008000'], 7, { company: 0, phone: 1 }, { source: 'import', campaign: null });
    expect(row.input).toBeNull();
    expect(row.line).toBe(7);
    expect(row.errors[0]).toMatchObject({ field: 'phone', zh: expect.stringContaining('第 2 列'), en: expect.stringContaining('column 2') });
    expect(JSON.stringify(row.errors)).not.toContain('\u0000');
  });

  it('CLI: one line naming the argument', async () => {
    const err: string[] = [];
    const io = { out: () => undefined, err: (l: string) => err.push(l) };
    expect(await runCli(['users', 'add', '--name', '李\u0000娜', '--role', 'rep'], { DATABASE_URL: h.url }, io)).toBe(2);
    expect(err).toEqual(['users add: --name contains a control character']);
  });
});
