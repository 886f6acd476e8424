import { describeEachDb, type DbHandle } from '../helpers/db';
import { createUser, type UserDto } from '../../core/users/operations';
import { captureLead, escalateOverdueLeads } from '../../core/leads/operations';
import { setLeadsConfig } from '../../core/leads/config';
import type { Actor } from '../../core/context';

jest.setTimeout(30_000); // MySQL migrations on a shared, busy server can exceed the default 5 s

const system: Actor = { kind: 'system' };

async function owners(h: DbHandle, ids: number[]): Promise<Map<number, number>> {
  const m = new Map<number, number>();
  for (const id of ids) m.set(id, 0);
  const rows = await h.db.select<{ owner_id: number; n: number }>("SELECT owner_id, COUNT(*) AS n FROM leads WHERE status = 'assigned' GROUP BY owner_id");
  for (const r of rows) m.set(Number(r.owner_id), Number(r.n));
  return m;
}
const setAway = (h: DbHandle, id: number, away = true) =>
  h.db.sequelize.query('UPDATE users SET status = :s WHERE id = :id', { replacements: { id, s: away ? 'away' : 'active' } });
let seq = 0;
const lead = (over: Record<string, unknown> = {}) => ({ company: `测试公司${++seq}`, phone: `1350000${String(seq).padStart(4, '0')}`, source: 'web', ...over });

describeEachDb('leads: round-robin assignment', (h) => {
  let reps: UserDto[];
  beforeAll(async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'round_robin' } });
    reps = [];
    for (const n of ['A', 'B', 'C']) reps.push(await createUser(h.ctx, system, 'cli', { name: n, role: 'rep' }));
    await setAway(h, reps[1].id);
  });

  it('rotates over active reps in order, skipping the away one', async () => {
    const got: number[] = [];
    for (let i = 0; i < 4; i++) got.push((await captureLead(h.ctx, system, 'api', lead())).lead!.ownerId!);
    expect(got).toEqual([reps[0].id, reps[2].id, reps[0].id, reps[2].id]);
  });

  it('concurrent captures still alternate exactly', async () => {
    await setAway(h, reps[1].id, false);
    const before = await owners(h, reps.map((r) => r.id));
    await Promise.all(Array.from({ length: 12 }, () => captureLead(h.ctx, system, 'api', lead())));
    const after = await owners(h, reps.map((r) => r.id));
    expect(reps.map((r) => after.get(r.id)! - before.get(r.id)!)).toEqual([4, 4, 4]);
  });

  it('the assignee is told in chat with why', async () => {
    const r = await captureLead(h.ctx, system, 'api', lead());
    const msg = (await h.db.select<{ recipient: string; payload: unknown }>("SELECT recipient, payload FROM outbox WHERE kind = 'lead.assigned' AND dedupe_key = :k", { k: `lead.assigned:${r.lead!.id}:${r.lead!.ownerId}` }))[0];
    expect(msg.recipient).toBe(String(r.lead!.ownerId));
    const payload = typeof msg.payload === 'string' ? JSON.parse(msg.payload) : msg.payload;
    expect(payload.why).toMatchObject({ strategy: 'round_robin', zh: '按轮询分配' });
    expect(payload.scoreReasons).toHaveLength(5);
    // Explained as the card shows them (stored compactly as [factor, points, max]): texts in both languages, points of max.
    for (const r of payload.scoreReasons as { zh?: unknown; en?: unknown; points?: unknown; max?: unknown }[]) {
      expect(r).toEqual(expect.objectContaining({ zh: expect.any(String), en: expect.any(String), points: expect.any(Number), max: expect.any(Number) }));
    }
  });
});

describeEachDb('leads: least-loaded assignment', (h) => {
  let reps: UserDto[];
  beforeAll(async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'least_loaded' } });
    reps = [];
    for (const n of ['A', 'B', 'C']) reps.push(await createUser(h.ctx, system, 'cli', { name: n, role: 'rep' }));
  });

  it('fills the emptiest rep first, also under concurrency, and never an away rep', async () => {
    // A starts with 4 open leads.
    await setAway(h, reps[1].id);
    await setAway(h, reps[2].id);
    for (let i = 0; i < 4; i++) await captureLead(h.ctx, system, 'api', lead());
    await setAway(h, reps[1].id, false);
    await setAway(h, reps[2].id, false);
    await setAway(h, reps[0].id); // A away now
    await Promise.all(Array.from({ length: 8 }, () => captureLead(h.ctx, system, 'api', lead())));
    let m = await owners(h, reps.map((r) => r.id));
    expect([m.get(reps[0].id), m.get(reps[1].id), m.get(reps[2].id)]).toEqual([4, 4, 4]);
    await setAway(h, reps[0].id, false);
    await Promise.all(Array.from({ length: 6 }, () => captureLead(h.ctx, system, 'api', lead())));
    m = await owners(h, reps.map((r) => r.id));
    expect([m.get(reps[0].id), m.get(reps[1].id), m.get(reps[2].id)]).toEqual([6, 6, 6]);
  });
});

describeEachDb('leads: assignment by region / industry / skill', (h) => {
  let east: UserDto, mfg: UserDto, general: UserDto;
  beforeAll(async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'match', fallback: 'least_loaded' } });
    east = await createUser(h.ctx, system, 'cli', { name: 'East', role: 'rep', skills: ['华东', 'ERP'] });
    mfg = await createUser(h.ctx, system, 'cli', { name: 'Mfg', role: 'rep', skills: ['制造业', '华南'] });
    general = await createUser(h.ctx, system, 'cli', { name: 'General', role: 'rep', skills: [] });
  });

  it('prefers the rep covering most of region, industry and skill', async () => {
    expect((await captureLead(h.ctx, system, 'api', lead({ region: '华东' }))).lead!.ownerId).toBe(east.id);
    expect((await captureLead(h.ctx, system, 'api', lead({ region: '华南', industry: '制造业' }))).lead!.ownerId).toBe(mfg.id);
    expect((await captureLead(h.ctx, system, 'api', lead({ region: '华南', skill: 'ERP', industry: '制造业' }))).lead!).toMatchObject({ ownerId: mfg.id });
    const r = await captureLead(h.ctx, system, 'api', lead({ skill: 'erp' }));
    expect(r.lead!.ownerId).toBe(east.id);
    expect(r.lead!.assignReason).toMatchObject({ strategy: 'match' });
    expect(r.lead!.assignReason!.zh).toContain('erp');
  });

  it('skips an away specialist and falls back to the least-loaded rep', async () => {
    await setAway(h, east.id);
    const r = await captureLead(h.ctx, system, 'api', lead({ region: '华东' }));
    expect(r.lead!.ownerId).toBe(general.id);
    expect(r.lead!.assignReason!.en).toContain('nobody covers');
  });

  it('with fallback none and nobody matching, the lead stays unassigned', async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'match', fallback: 'none' } });
    const r = await captureLead(h.ctx, system, 'api', lead({ region: '西北' }));
    expect(r.lead).toMatchObject({ ownerId: null, status: 'new' });
  });
});

describeEachDb('leads: response SLA escalation', (h) => {
  let mgr1: UserDto, mgr2: UserDto;
  beforeAll(async () => {
    await setLeadsConfig(h.ctx, { assign: { strategy: 'round_robin' }, sla: { hotUnassignedMinutes: 30 }, scoring: { hotThreshold: 60 } });
    mgr1 = await createUser(h.ctx, system, 'cli', { name: 'M1', role: 'manager' });
    mgr2 = await createUser(h.ctx, system, 'cli', { name: 'M2', role: 'manager' });
    const rep = await createUser(h.ctx, system, 'cli', { name: 'R', role: 'rep' });
    await setAway(h, rep.id); // nobody to assign to
  });

  it('escalates an unassigned hot lead to every manager once, after the SLA, and leaves cold ones', async () => {
    const hot = await captureLead(h.ctx, system, 'api', lead({ industry: '互联网', source: '转介绍', companySize: 2000 }));
    const cold = await captureLead(h.ctx, system, 'api', lead({ source: 'import' }));
    expect(hot.lead!.score).toBeGreaterThanOrEqual(60);
    expect(cold.lead!.score).toBeLessThan(60);
    expect(hot.lead!.ownerId).toBeNull();
    h.clock.advance(29 * 60_000);
    expect((await escalateOverdueLeads(h.ctx)).escalated).toEqual([]);
    h.clock.advance(2 * 60_000);
    // Two sweeps at once (two processes) escalate once.
    const [a, b] = await Promise.all([escalateOverdueLeads(h.ctx), escalateOverdueLeads(h.ctx)]);
    expect([...a.escalated, ...b.escalated]).toEqual([hot.lead!.id]);
    expect((await escalateOverdueLeads(h.ctx)).escalated).toEqual([]);
    const msgs = await h.db.select<{ recipient: string }>("SELECT recipient FROM outbox WHERE kind = 'lead.sla_escalated' ORDER BY recipient");
    expect(msgs.map((m) => Number(m.recipient)).sort()).toEqual([mgr1.id, mgr2.id].sort());
  });
});
