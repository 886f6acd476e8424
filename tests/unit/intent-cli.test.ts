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

describe('npm run crm -- parse with a database', () => {
  // The customers of DATABASE_URL are the dictionary: as an admin sees them, or as --as sees them.
  let url: string;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const { freshDatabase } = await import('../helpers/db');
    const { createDb } = await import('../../core/db/connection');
    const { migrate } = await import('../../core/db/migrator');
    const { createContext } = await import('../../core/compose');
    const { createUser } = await import('../../core/users/operations');
    const { createCustomer } = await import('../../core/customers/operations');
    const t = await freshDatabase('sqlite');
    url = t.url;
    drop = t.drop;
    const db = createDb(url);
    await migrate(db);
    const ctx = createContext(db);
    const system = { kind: 'system' } as const;
    const owner = await createUser(ctx, system, 'cli', { name: 'owner', role: 'rep', team: 'East', larkOpenId: 'ou_owner' });
    await createUser(ctx, system, 'cli', { name: 'stranger', role: 'rep', team: 'West', larkOpenId: 'ou_stranger' });
    await createCustomer(ctx, system, 'api', { name: '宁波港联物流有限公司', ownerId: owner.id });
    await db.close();
  }, 60_000);
  afterAll(async () => drop?.());

  const run = async (argv: string[]) => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(argv, { CRM_TIMEZONE: 'Asia/Shanghai', DATABASE_URL: url }, { out: (l) => out.push(l), err: (l) => err.push(l) });
    return { code, out, err };
  };

  it('adds customer_match: the record the written customer is', async () => {
    const r = await run(['parse', '--now', '2026-11-23T10:00+08:00', '下午去了趟港联，吴经理说下周三签']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out[0])).toMatchObject({ intent: 'log_followup', customer: '港联', customer_match: { kind: 'customer', name: '宁波港联物流有限公司', exact: false } });
  });

  it('--as reads as that user: another rep does not see the record', async () => {
    expect(JSON.parse((await run(['parse', '--as', 'ou_owner', '港联物流的电话是多少'])).out[0]).customer_match).toMatchObject({ name: '宁波港联物流有限公司', exact: true });
    expect(JSON.parse((await run(['parse', '--as', 'ou_stranger', '港联物流的电话是多少'])).out[0]).customer_match).toBeNull();
    expect((await run(['parse', '--as', 'ou_nobody', 'hi'])).code).toBe(2);
  });
});
