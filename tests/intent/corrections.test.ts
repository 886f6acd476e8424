import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeEachDb } from '../helpers/db';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import { listCorrections, recordCorrection, replayCorrections } from '../../core/intent/corrections';
import { parseMessage } from '../../core/intent/parse';
import type { Reading } from '../../core/intent/score';
import { runCli } from '../../server/cli/run';
import type { Actor } from '../../core/context';

jest.setTimeout(60_000);

const system: Actor = { kind: 'system' };
const read: Reading = {
  intent: 'create_task', customer: '华晨汽车', channel: 'phone', contact: { name: '赵总', phone: null, email: null },
  next_at: null, due_at: '2026-12-03T09:00:00+08:00',
};
const chosen: Reading = { ...read, intent: 'log_followup', next_at: '2026-12-03T09:00:00+08:00', due_at: null };
const TEXT = '华晨汽车赵总来电问发票，下周四再联系';
const SENT = '2026-11-23T10:00:00+08:00';

describeEachDb('corrections of the understood card', (h) => {
  let rep: UserDto;
  beforeAll(async () => {
    rep = await createUser(h.ctx, system, 'cli', { name: 'Rep', role: 'rep' });
  });

  it('records what was read and what the rep chose, with the corrected fields and an audit entry', async () => {
    const c = await recordCorrection(h.ctx, actorOf(rep), 'card', { text: TEXT, sentAt: SENT, read, chosen });
    expect(c).toMatchObject({ userId: rep.id, text: TEXT, sentAt: '2026-11-23T02:00:00.000Z', timezone: 'Asia/Shanghai', read, chosen, fields: ['intent', 'next_at', 'due_at'] });
    const audit = await h.db.select<{ action: string; entity_id: number; channel: string; actor_id: number }>(
      "SELECT action, entity_id, channel, actor_id FROM audit_log WHERE entity_type = 'intent_correction'",
    );
    expect(audit.map((a) => ({ ...a, entity_id: Number(a.entity_id), actor_id: Number(a.actor_id) }))).toEqual([{ action: 'intent.correct', entity_id: c!.id, channel: 'card', actor_id: rep.id }]);
  });

  it('records nothing when the card was saved as read (white space and full-width forms are no change)', async () => {
    const before = (await listCorrections(h.ctx)).length;
    expect(await recordCorrection(h.ctx, actorOf(rep), 'card', { text: TEXT, sentAt: SENT, read, chosen: { ...read, customer: ' 华晨汽车 ' } })).toBeNull();
    expect(await listCorrections(h.ctx)).toHaveLength(before);
  });

  it('refuses a reading that is not one (VALIDATION naming the field)', async () => {
    await expect(recordCorrection(h.ctx, actorOf(rep), 'card', { text: TEXT, sentAt: SENT, read, chosen: { ...chosen, intent: 'dance' as never } }))
      .rejects.toMatchObject({ code: 'VALIDATION', field: 'chosen.intent' });
    await expect(recordCorrection(h.ctx, actorOf(rep), 'card', { text: '  ', sentAt: SENT, read, chosen })).rejects.toMatchObject({ code: 'VALIDATION', field: 'text' });
  });

  it('lists them in order, by keyset, and per user', async () => {
    const other = await createUser(h.ctx, system, 'cli', { name: 'Other', role: 'rep' });
    const second = await recordCorrection(h.ctx, actorOf(other), 'card', { text: '明天给远航打电话', sentAt: SENT, read: { ...read, customer: '远航' }, chosen: { ...read, customer: '远航科技' } });
    const all = await listCorrections(h.ctx);
    expect(all.map((c) => c.id)).toEqual([...all.map((c) => c.id)].sort((a, b) => a - b));
    expect(await listCorrections(h.ctx, { afterId: all[0].id })).toHaveLength(all.length - 1);
    expect((await listCorrections(h.ctx, { userId: other.id })).map((c) => c.id)).toEqual([second!.id]);
  });

  it('replays them through a parser and scores what the rep chose, per field', async () => {
    const perfect = await replayCorrections(h.ctx, (c) => c.chosen);
    expect(perfect.corrections).toBe(2);
    expect(perfect.fields.intent.accuracy).toBe(1);
    const stale = await replayCorrections(h.ctx, (c) => c.read);
    expect(stale.fields.intent).toMatchObject({ right: 1, total: 2 });
    expect(stale.fields.customer).toMatchObject({ right: 1, total: 2 });
    expect(stale.fields['contact.name'].accuracy).toBe(1);
    // the real parser sees the message as it was sent (relative dates against sentAt)
    const real = await replayCorrections(h.ctx, (c) => parseMessage(c.text, { now: new Date(c.sentAt), timezone: c.timezone }));
    expect(real.items).toBe(2);
  });

  it('npm run crm -- parse-eval --corrections replays them from DATABASE_URL', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['parse-eval', '--corrections', '--misses'], { DATABASE_URL: h.url, CRM_TIMEZONE: 'Asia/Shanghai' }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out[0]).toBe('已记录的修正：2 条，全部字段正确 ' + out[0].match(/正确 (\d+) 条/)![1] + ' 条');
    expect(out.some((l) => /^ {2}intent\s+\d\/2\s+\d+\.\d%$/.test(l))).toBe(true);
  });
});

describe('npm run crm -- parse-eval (phrase sets)', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'phrases-'));
  const item = (text: string, intent: Reading['intent'], customer: string | null) => ({
    text, now: '2026-11-23T10:00:00+08:00', expect: { intent, customer, channel: null, contact: null, next_at: null, due_at: null },
  });
  beforeAll(() => {
    // one message every parser reads, one nobody could: 50 % on intent and customer
    fs.writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify([item('帮助', 'help', null), item('帮助', 'claim', '远航科技')]));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const cli = async (argv: string[], env: Record<string, string> = {}) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { CRM_TIMEZONE: 'Asia/Shanghai', ...env }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('prints accuracy per field with zh-CN headings, English with CRM_LOCALE=en', async () => {
    const zh = await cli(['parse-eval', '--phrases', '--dir', dir]);
    expect(zh.code).toBe(0);
    expect(zh.out[0]).toBe('短语集 tiny：2 条，全部字段正确 1 条');
    expect(zh.out[1]).toMatch(/字段\s+正确\/总数\s+准确率/);
    expect(zh.out.find((l) => l.trim().startsWith('intent'))).toMatch(/1\/2\s+50\.0%$/);
    expect(zh.out.find((l) => l.trim().startsWith('due_at'))).toMatch(/2\/2\s+100\.0%$/);
    const en = await cli(['parse-eval', '--phrases', '--dir', dir, '--misses'], { CRM_LOCALE: 'en' });
    expect(en.out[0]).toBe('phrase set tiny: 2 messages, 1 fully right');
    expect(en.out).toContain('      intent: want claim · got help');
  });

  it('exits 1 below --min, naming the field; 2 on a bad --min or a set that is not one', async () => {
    const low = await cli(['parse-eval', '--phrases', '--dir', dir, '--min', '97']);
    expect(low.code).toBe(1);
    expect(low.err).toContain('低于 97%：短语集 tiny 的 intent');
    expect((await cli(['parse-eval', '--phrases', '--dir', dir, '--min', '50'])).code).toBe(0);
    expect((await cli(['parse-eval', '--phrases', '--dir', dir, '--min', 'lots'])).code).toBe(2);
    fs.writeFileSync(path.join(dir, 'zz-bad.json'), JSON.stringify([{ text: 'x', now: 'soon', expect: {} }]));
    const bad = await cli(['parse-eval', '--phrases', '--dir', dir]);
    fs.rmSync(path.join(dir, 'zz-bad.json'));
    expect(bad.code).toBe(2);
    expect(bad.err[0]).toMatch(/^parse-eval: zz-bad\.json: /);
  });

  it('reads the public sets by default', async () => {
    const r = await cli(['parse-eval', '--phrases']);
    expect(r.code).toBe(0);
    expect(r.out.filter((l) => /^短语集 (zh|en)：\d+ 条/.test(l))).toHaveLength(2);
  });

  it('creates no database to replay: without one, --corrections is an error and the default skips it', async () => {
    const url = `sqlite:${path.join(dir, 'none', 'crm.sqlite')}`;
    const only = await cli(['parse-eval', '--corrections'], { DATABASE_URL: url });
    expect(only.code).toBe(2);
    expect(only.err[0]).toContain('no database');
    const both = await cli(['parse-eval', '--dir', dir], { DATABASE_URL: url });
    expect(both.code).toBe(0);
    expect(both.out).toContain('已记录的修正（没有数据库，跳过）');
    expect(fs.existsSync(path.join(dir, 'none'))).toBe(false);
  });
});
