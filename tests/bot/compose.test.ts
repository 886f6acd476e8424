import fs from 'node:fs';
import path from 'node:path';
import { composeBot } from '../../bot/compose';

const BOT = path.resolve(__dirname, '../../bot');
const capabilityFiles = (dir: string) =>
  fs.readdirSync(path.join(BOT, dir)).filter((f) => f.endsWith('.ts') && /export function register\(/.test(fs.readFileSync(path.join(BOT, dir, f), 'utf8')));

describe('composeBot: the bot is composed in one list, nothing registers on import', () => {
  it('calls the register(r) of every handler and renderer module', () => {
    const compose = fs.readFileSync(path.join(BOT, 'compose.ts'), 'utf8');
    const files = [...capabilityFiles('handlers').map((f) => `handlers/${f}`), ...capabilityFiles('render').map((f) => `render/${f}`)];
    expect(files.length).toBeGreaterThan(8);
    for (const f of files) expect(compose).toContain(`from './${f.replace(/\.ts$/, '')}'`);
  });

  it('gives each caller its own registry: what a test adds to one is not in another', () => {
    const a = composeBot();
    a.action('test.only-here', async () => ({}));
    a.renderer('test.only-here', () => ({ msg_type: 'text', content: { text: '' } }));
    const b = composeBot();
    expect(b.actionHandler('test.only-here')).toBeUndefined();
    expect(b.rendererFor('test.only-here')).toBeUndefined();
    expect(b.actions()).toEqual(a.actions().filter((x) => x !== 'test.only-here'));
  });

  it('holds the chat commands, card actions and outbox kinds of every capability', () => {
    const r = composeBot();
    expect(r.intents()).toEqual(expect.arrayContaining(['help', 'unknown', 'find_customer', 'claim', 'log_followup', 'message.file', 'contract.new', 'mp.invite', 'agenda']));
    expect(r.actions()).toEqual(expect.arrayContaining(['approval.approve', 'approval.reject', 'pool.claim', 'draft.save', 'leads.import_commit', 'ticket.accept']));
    expect(r.renderers()).toEqual(expect.arrayContaining(['help', 'text', 'customer.360', 'approval.request', 'task.reminder', 'ticket.assigned']));
    // text intents are tried in registration order; the parser's own intents never reach them
    expect(r.matchTextIntent('公海')).toBe('pool_list');
    expect(r.matchTextIntent('签到 远航科技')).toBe('checkin');
    expect(r.matchTextIntent('本周日程')).toBe('agenda');
    expect(r.matchTextIntent('邀请 远航科技 王伟')).toBe('mp.invite');
  });

  it('refuses a name registered twice', () => {
    const r = composeBot();
    expect(() => r.intent('help', async () => undefined)).toThrow('registered twice');
    expect(() => r.action('pool.claim', async () => ({}))).toThrow('registered twice');
    expect(() => r.renderer('text', () => ({ msg_type: 'text', content: {} }))).toThrow('registered twice');
  });
});
