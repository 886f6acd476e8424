jest.setTimeout(120_000);
import request from 'supertest';
import { describeEachDb } from '../helpers/db';
import { testApp } from '../helpers/app';
import { createApiKey } from '../../core/apikeys/operations';
import { createUser, type UserDto } from '../../core/users/operations';
import { customerAttrs, rng } from '../../core/factories';
import { recountHeld } from '../../core/customers/held';
import { opportunitiesApiRouter } from '../../server/api/opportunities';

/**
 * The funnel and the forecast through /api/v1 for a small world built by hand through the API, checked against numbers
 * computed by hand below. One team (manager M, reps R1 and R2), the default pipeline, December 2026 (Beijing time):
 *
 *   deal  owner amount(¥)  close       path (day of December, 10:00)                       now
 *   A     R1    10,000     2026-12-10  1 initial · 2 qualified · 4 proposal · 7 negotiation  negotiation 80% (commit)
 *   B     R1    20,000     2026-12-20  1 initial · 2 qualified · 4 proposal                  proposal 50% (best case)
 *   C     R2     5,000     2026-12-05  1 initial · 2 qualified; M overrides to 30% on the 3rd qualified 30% (pipeline)
 *   D     R2    30,000     2026-12-28  1 initial · 2 qualified · 4 proposal · 7 negotiation · 8 won   won on 12-08
 *   E     R1     4,000     2026-12-15  1 initial · 4 lost (price)                             lost on 12-04
 *   F     R1     7,000     2027-01-15  1 initial                                              initial 10%
 *   G     (another team) 99,000, 2026-12-10, negotiation — never in this team's numbers
 */
const BUDGETS = { CRM_READ_SEARCH_PER_WINDOW: '100000', CRM_READ_LIST_PER_WINDOW: '100000', CRM_READ_LOOKUP_PER_WINDOW: '100000', CRM_READ_EMPTY_BURST: '100000' };
const DAY = (d: number) => `2026-12-${String(d).padStart(2, '0')}T02:00:00Z`; // 10:00 in Beijing

describeEachDb(
  'pipeline funnel and forecast /api/v1: a hand-built world, hand-computed numbers',
  (h) => {
    let server: ReturnType<import('koa')['callback']>;
    let M: UserDto, R1: UserDto, R2: UserDto, admin: UserDto, M2: UserDto, R3: UserDto;
    const keys = new Map<number, string>();
    const as = (u: UserDto) => ({ Authorization: `Bearer ${keys.get(u.id)}` });
    const api = () => request(server);
    let n = 0;
    const customer = async (owner: UserDto) => {
      n++;
      const c = await h.ctx.models.Customer.create({ ...customerAttrs(5000 + n, rng(n), { ownerId: owner.id, teamId: owner.teamId, now: h.ctx.clock.now() }), tier: null });
      await recountHeld(h.ctx, [owner.id]);
      return c.get('id');
    };
    const ok = async (res: request.Test) => {
      const r = await res;
      expect([r.status < 300 ? 'ok' : r.status, r.body.error]).toEqual(['ok', undefined]);
      return r.body;
    };
    const move = (u: UserDto, id: number, stage: string) => ok(api().post(`/api/v1/opportunities/${id}/stage`).set(as(u)).send({ stage }));

    beforeAll(async () => {
      const sys = { kind: 'system' } as const;
      admin = await createUser(h.ctx, sys, 'cli', { name: '管理员', role: 'admin', email: 'a@n.cn', larkOpenId: 'ou_n_a' });
      M = await createUser(h.ctx, sys, 'cli', { name: '经理', role: 'manager', team: '华东组', email: 'm@n.cn', larkOpenId: 'ou_n_m' });
      R1 = await createUser(h.ctx, sys, 'cli', { name: '销售一', role: 'rep', teamId: M.teamId, email: 'r1@n.cn', larkOpenId: 'ou_n_r1' });
      R2 = await createUser(h.ctx, sys, 'cli', { name: '销售二', role: 'rep', teamId: M.teamId, email: 'r2@n.cn', larkOpenId: 'ou_n_r2' });
      M2 = await createUser(h.ctx, sys, 'cli', { name: '经理二', role: 'manager', team: '华北组', email: 'm2@n.cn', larkOpenId: 'ou_n_m2' });
      R3 = await createUser(h.ctx, sys, 'cli', { name: '销售三', role: 'rep', teamId: M2.teamId, email: 'r3@n.cn', larkOpenId: 'ou_n_r3' });
      for (const u of [admin, M, R1, R2, M2, R3]) keys.set(u.id, (await createApiKey(h.ctx, sys, 'cli', { name: `k${u.id}`, userId: u.id })).key);
      server = (await testApp(h.ctx, [opportunitiesApiRouter], BUDGETS)).app.callback();

      h.clock.set(DAY(1));
      const mk = async (u: UserDto, name: string, yuan: number, close: string) =>
        (await ok(api().post('/api/v1/opportunities').set(as(u)).send({ customerId: await customer(u), name, amountCents: yuan * 100, expectedCloseDate: close }))).id as number;
      const A = await mk(R1, 'A', 10_000, '2026-12-10');
      const B = await mk(R1, 'B', 20_000, '2026-12-20');
      const C = await mk(R2, 'C', 5_000, '2026-12-05');
      const D = await mk(R2, 'D', 30_000, '2026-12-28');
      const E = await mk(R1, 'E', 4_000, '2026-12-15');
      await mk(R1, 'F', 7_000, '2027-01-15');
      const G = await mk(R3, 'G', 99_000, '2026-12-10');
      h.clock.set(DAY(2));
      for (const [u, id] of [[R1, A], [R1, B], [R2, C], [R2, D], [R3, G]] as const) await move(u, id, 'qualified');
      h.clock.set(DAY(3));
      await ok(api().patch(`/api/v1/opportunities/${C}`).set(as(M)).send({ probability: 30 }));
      h.clock.set(DAY(4));
      for (const [u, id] of [[R1, A], [R1, B], [R2, D], [R3, G]] as const) await move(u, id, 'proposal');
      await ok(api().post(`/api/v1/opportunities/${E}/close`).set(as(R1)).send({ outcome: 'lost', lossReason: 'price' }));
      h.clock.set(DAY(7));
      for (const [u, id] of [[R1, A], [R2, D], [R3, G]] as const) await move(u, id, 'negotiation');
      h.clock.set(DAY(8));
      await ok(api().post(`/api/v1/opportunities/${D}/close`).set(as(R2)).send({ outcome: 'won' }));
      h.clock.set(DAY(9));
    });

    const stageOf = (f: { stages: { key: string }[] }, key: string) => f.stages.find((s) => s.key === key) as Record<string, unknown>;

    it('the forecast of the team for December: weighted = Σ amount × probability, commit and best case', async () => {
      for (const [u, q] of [[admin, `&teamId=${M.teamId}`], [M, ''], [M, `&teamId=${M.teamId}`]] as const) {
        const f = await ok(api().get(`/api/v1/pipeline/forecast?period=2026-12${q}`).set(as(u)));
        expect(f.period).toEqual({ label: expect.any(String), from: '2026-12-01', to: '2026-12-31' });
        // Without a pipelineId the forecast spans every pipeline (categories are common to all); the renewal one is empty here.
        expect(f.scope).toMatchObject({ teamId: M.teamId, ownerId: null, currency: 'CNY', pipelineKey: 'all' });
        const dec = {
          month: '2026-12',
          open: 3, // A, B, C
          pipelineCents: 3_500_000, // 10,000 + 20,000 + 5,000 yuan
          weightedCents: 800_000 + 1_000_000 + 150_000, // A 80%, B 50%, C 30% (override)
          wonCents: 3_000_000, // D
          won: 1,
          commitCents: 3_000_000 + 1_000_000, // won + A (negotiation)
          bestCaseCents: 4_000_000 + 2_000_000, // commit + B (proposal)
        };
        expect(f.months).toEqual([dec]);
        const { month: _m, ...totals } = dec;
        expect(f.totals).toEqual(totals);
      }
    });

    it('the forecast over two months, by expected close month; a rep sees only their own', async () => {
      const f = await ok(api().get('/api/v1/pipeline/forecast').query({ period: '2026-12-01..2027-01-31', teamId: M.teamId }).set(as(admin)));
      expect(f.months.map((m: { month: string }) => m.month)).toEqual(['2026-12', '2027-01']);
      expect(f.months[1]).toEqual({ month: '2027-01', open: 1, pipelineCents: 700_000, weightedCents: 70_000, wonCents: 0, won: 0, commitCents: 0, bestCaseCents: 0 });
      expect(f.totals).toEqual({ open: 4, pipelineCents: 4_200_000, weightedCents: 2_020_000, wonCents: 3_000_000, won: 1, commitCents: 4_000_000, bestCaseCents: 6_000_000 });
      // R1: A and B open in December (E lost), F in January.
      const mine = await ok(api().get('/api/v1/pipeline/forecast?period=2026-12').set(as(R1)));
      expect(mine.scope.ownerId).toBe(R1.id);
      expect(mine.totals).toEqual({ open: 2, pipelineCents: 3_000_000, weightedCents: 1_800_000, wonCents: 0, won: 0, commitCents: 1_000_000, bestCaseCents: 3_000_000 });
      // Every month of the period is listed, empty ones as zeros.
      const q4 = await ok(api().get(`/api/v1/pipeline/forecast?period=2026-Q4&teamId=${M.teamId}`).set(as(admin)));
      expect(q4.months.map((m: { month: string; open: number; weightedCents: number }) => [m.month, m.open, m.weightedCents])).toEqual([['2026-10', 0, 0], ['2026-11', 0, 0], ['2026-12', 3, 1_950_000]]);
      // A rep asking for the team still gets their own numbers only (or a refusal), never the team's.
      const team = await api().get(`/api/v1/pipeline/forecast?period=2026-12&teamId=${M.teamId}`).set(as(R1));
      if (team.status === 200) expect(team.body.totals).toEqual(mine.totals);
      else expect(team.status).toBe(404);
      // The other team's manager sees G only.
      const other = await ok(api().get('/api/v1/pipeline/forecast?period=2026-12').set(as(M2)));
      expect(other.totals).toMatchObject({ open: 1, pipelineCents: 9_900_000, weightedCents: 7_920_000, commitCents: 9_900_000 });
    });

    it('the funnel of the team for December: counts now, conversion and days in stage from the history, win rate', async () => {
      const f = await ok(api().get(`/api/v1/pipeline/funnel?period=2026-12&teamId=${M.teamId}`).set(as(admin)));
      expect(f.scope).toMatchObject({ teamId: M.teamId, pipelineKey: 'default' });
      // The ranked stages (the lost one is in the win rate, not in the funnel).
      expect(f.stages.map((s: { key: string }) => s.key)).toEqual(['initial', 'qualified', 'proposal', 'negotiation', 'won']);
      // Now, by period date (expected close while open, close day once closed): F closes in January.
      expect(f.stages.map((s: { count: number }) => s.count)).toEqual([0, 1, 1, 1, 1]);
      expect(f.stages.map((s: { amountCents: number }) => s.amountCents)).toEqual([0, 500_000, 2_000_000, 1_000_000, 3_000_000]);
      expect(stageOf(f, 'qualified').weightedCents).toBe(150_000); // C's override
      expect(stageOf(f, 'negotiation').weightedCents).toBe(800_000);
      // From the history: reached initial A–F (6), qualified A B C D (4), proposal A B D (3), negotiation A D (2), won D.
      expect(f.stages.slice(0, 5).map((s: { reached: number }) => s.reached)).toEqual([6, 4, 3, 2, 1]);
      expect(f.stages[4].conversionToNext).toBeNull();
      const conv = f.stages.slice(0, 4).map((s: { conversionToNext: number | null }) => s.conversionToNext);
      [4 / 6, 3 / 4, 2 / 3, 1 / 2].forEach((want, i) => expect(conv[i]).toBeCloseTo(want, 3));
      // Left the stage during December: initial A B C D after 1 day, E after 3 → 7/5; qualified A B D 2; proposal A D 3; negotiation D 1.
      const days = f.stages.slice(0, 4).map((s: { avgDaysInStage: number | null }) => s.avgDaysInStage);
      [1.4, 2, 3, 1].forEach((want, i) => expect(days[i]).toBeCloseTo(want, 2));
      expect(f.winRate).toEqual({ won: 1, lost: 1, rate: 0.5 });
      // The manager's own view is the same team; R2's is C and D only.
      const byManager = await ok(api().get('/api/v1/pipeline/funnel?period=2026-12').set(as(M)));
      expect(byManager.stages).toEqual(f.stages);
      const r2 = await ok(api().get('/api/v1/pipeline/funnel?period=2026-12').set(as(R2)));
      expect(r2.stages.slice(0, 5).map((s: { reached: number }) => s.reached)).toEqual([2, 2, 1, 1, 1]);
      expect(r2.winRate).toEqual({ won: 1, lost: 0, rate: 1 });
    });

    it('periods are days in the CRM time zone (Asia/Shanghai): a move at 23:59:59 on Nov 30 is November, at 00:00 on Dec 1 December', async () => {
      const sys = { kind: 'system' } as const;
      const M3 = await createUser(h.ctx, sys, 'cli', { name: '经理三', role: 'manager', team: '华南组', email: 'm3@n.cn', larkOpenId: 'ou_n_m3' });
      const R4 = await createUser(h.ctx, sys, 'cli', { name: '销售四', role: 'rep', teamId: M3.teamId, email: 'r4@n.cn', larkOpenId: 'ou_n_r4' });
      keys.set(R4.id, (await createApiKey(h.ctx, sys, 'cli', { name: 'k-r4', userId: R4.id })).key);
      h.clock.set('2026-11-30T15:30:00Z'); // 23:30 in Beijing
      const mk = async (name: string, close: string) => (await ok(api().post('/api/v1/opportunities').set(as(R4)).send({ customerId: await customer(R4), name, amountCents: 100_000, expectedCloseDate: close }))).id as number;
      const X = await mk('X', '2026-12-20');
      const Y = await mk('Y', '2026-12-20');
      const W = await mk('W', '2026-12-31');
      h.clock.set('2026-11-30T15:59:59Z'); // 23:59:59 on Nov 30 in Beijing
      await move(R4, X, 'qualified');
      h.clock.set('2026-11-30T16:00:00Z'); // 00:00 on Dec 1 in Beijing
      await move(R4, Y, 'qualified');
      const won = await ok(api().post(`/api/v1/opportunities/${W}/close`).set(as(R4)).send({ outcome: 'won' }));
      expect(won.status).toBe('won');
      h.clock.set(DAY(9));
      const f = await ok(api().get(`/api/v1/pipeline/funnel?period=2026-12&teamId=${M3.teamId}`).set(as(admin)));
      // December's moves: Y initial → qualified, W initial → won (a manual close-won passes every open stage after initial).
      expect(f.stages.map((s: { reached: number }) => s.reached)).toEqual([0, 2, 1, 1, 1]);
      expect(f.winRate).toEqual({ won: 1, lost: 0, rate: 1 });
      const nov = await ok(api().get(`/api/v1/pipeline/funnel?period=2026-11&teamId=${M3.teamId}`).set(as(admin)));
      expect(nov.stages.map((s: { reached: number }) => s.reached)).toEqual([3, 1, 0, 0, 0]); // created X Y W; X qualified
      // W was won on Dec 1 (Beijing), though it was still Nov 30 in UTC: its close day, so December's forecast.
      const fc = await ok(api().get('/api/v1/pipeline/forecast').query({ period: '2026-11-01..2026-12-31', teamId: M3.teamId }).set(as(admin)));
      expect(fc.months.map((m: { month: string; won: number; open: number }) => [m.month, m.won, m.open])).toEqual([['2026-11', 0, 0], ['2026-12', 1, 2]]);
      expect((await ok(api().get(`/api/v1/opportunities/${W}`).set(as(R4)))).closedAt).toBe('2026-11-30T16:00:00.000Z');
    });
  },
  { clock: new Date('2026-12-01T02:00:00Z') },
);
