import { runCli } from '../../server/cli/run';

async function cli(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  // No database there: parse works without one (no customer_match).
  const code = await runCli(argv, { CRM_TIMEZONE: 'Asia/Shanghai', DATABASE_URL: 'sqlite:/nonexistent/crm-parse-test.sqlite' }, { out: (l) => out.push(l), err: (l) => err.push(l) });
  return { code, out, err };
}

describe('npm run crm -- parse', () => {
  it('prints exactly one JSON object in the issue shape', async () => {
    const r = await cli(['parse', '--now', '2026-11-23T10:00+08:00', '跟进 远航科技 电话聊了方案，下周三再联系']);
    expect(r.code).toBe(0);
    expect(r.out).toHaveLength(1);
    const j = JSON.parse(r.out[0]);
    expect(Object.keys(j).sort()).toEqual(['alternatives', 'channel', 'confidence', 'contact', 'customer', 'due_at', 'intent', 'next_at', 'summary']);
    expect(j).toMatchObject({ intent: 'log_followup', customer: '远航科技', channel: 'phone', next_at: '2026-12-02T09:00:00+08:00', due_at: null });
  });

  it('reads a stage move with the stages a new company starts with', async () => {
    const r = await cli(['parse', '--now', '2026-11-23T10:00+08:00', '远航ERP 进入谈判']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0])).toMatchObject({ intent: 'move_stage' });
  });

  it('rejects a bad --now and a missing text with exit code 2', async () => {
    expect((await cli(['parse', '--now', 'yesterday-ish', 'hi'])).code).toBe(2);
    expect((await cli(['parse'])).code).toBe(2);
  });
});
