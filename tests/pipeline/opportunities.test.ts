import { describeEachDb } from '../helpers/db';
import { outcomeOf } from '../helpers/outcome';
import { makeOrg, type Org } from '../integration/contracts/fixtures';
import { createUser, actorOf, type UserDto } from '../../core/users/operations';
import {
  closeOpportunity, createOpportunity, findOpportunitiesByText, getOpportunity, listOpportunities, moveStage, opportunityHistory, reopenOpportunity, updateOpportunity,
} from '../../core/opportunities/operations';
import { createQuote, sendQuote, getQuote } from '../../core/opportunities/quotes';
import { acceptQuote } from '../../core/contracts/from-quote';
import { createRenewalOpportunity } from '../../core/contracts/renewal-opportunity';
import { createContract, getContract, runRenewalReminders, submitContract } from '../../core/contracts/operations';
import { decideStep } from '../../core/approvals/operations';
import { getPipeline, updatePipeline, updatePipelineSettings } from '../../core/opportunities/pipelines';
import { pipelineForecast, pipelineFunnel, runStuckDigest } from '../../core/opportunities/forecast';
import { captureLead } from '../../core/leads/capture';
import { convertLead } from '../../core/leads/operations';
import { getCustomer360 } from '../../core/customer360/view360';
import type { Actor } from '../../core/context';

const system: Actor = { kind: 'system' };
const DAY = 86_400_000;
const code = (p: Promise<unknown>) => outcomeOf(p, 'OK');
/** An outbox payload: text on SQLite, already parsed on MySQL. */
const payload = <T = Record<string, unknown>>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

describeEachDb('opportunities', (h) => {
  let o: Org;
  let other: UserDto; // a manager of another team
  let otherRep: UserDto;
  let service: UserDto;
  const count = async (table: string) => Number((await h.db.select<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  const history = async (id: number) => h.db.select<{ field: string; from_value: string | null; to_value: string | null; from_rank: number | null; to_rank: number | null }>(
    'SELECT field, from_value, to_value, from_rank, to_rank FROM opportunity_history WHERE opportunity_id = :id ORDER BY id', { id });

  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    other = await createUser(h.ctx, system, 'cli', { name: '别组经理', role: 'manager', team: '别的组' });
    otherRep = await createUser(h.ctx, system, 'cli', { name: '别组销售', role: 'rep', teamId: other.teamId });
    service = await createUser(h.ctx, system, 'cli', { name: '客服', role: 'service' });
  });

  it('creates a deal with its first history rows; lines make the amount in exact cents', async () => {
    const c = await o.customer();
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'chat', {
      customerId: c, name: 'ERP升级', expectedCloseDate: '2026-12-31',
      lines: [{ name: 'ERP', quantity: 3, unitPriceCents: 33_333, discountPct: '12.5' }, { name: '实施', quantity: 1, unitPriceCents: 1_000_000 }],
    });
    expect(d).toMatchObject({ stage: 'initial', stageName: '初步接洽', status: 'open', probability: 10, amountCents: 1_087_499, weightedCents: 108_750, ownerId: o.rep.id, teamId: o.rep.teamId, pipelineKey: 'default', source: 'manual', version: 1 });
    expect(await history(d.id)).toEqual([
      { field: 'stage', from_value: null, to_value: 'initial', from_rank: 0, to_rank: 1 },
      { field: 'amount', from_value: null, to_value: '1087499', from_rank: null, to_rank: null },
      { field: 'close_date', from_value: null, to_value: '2026-12-31', from_rank: null, to_rank: null },
    ]);
  });

  it('visibility: rep own, manager team, admin all; another rep, another team and service get NOT_FOUND', async () => {
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'api', { customerId: await o.customer(), name: '可见性' });
    for (const u of [o.rep, o.manager, o.admin]) expect((await getOpportunity(h.ctx, actorOf(u), d.id)).id).toBe(d.id);
    for (const u of [o.rep2, other, otherRep, service]) {
      expect(await code(getOpportunity(h.ctx, actorOf(u), d.id))).toBe('NOT_FOUND');
      expect(await code(moveStage(h.ctx, actorOf(u), 'api', { opportunityId: d.id, stage: 'qualified' }))).toBe('NOT_FOUND');
      expect(await code(opportunityHistory(h.ctx, actorOf(u), d.id))).toBe('NOT_FOUND');
    }
    const ids = async (u: UserDto) => (await listOpportunities(h.ctx, actorOf(u), { limit: 100 })).items.map((x) => x.id);
    expect(await ids(o.rep2)).not.toContain(d.id);
    expect(await ids(o.manager)).toContain(d.id);
    expect(await ids(other)).not.toContain(d.id);
    expect(await findOpportunitiesByText(h.ctx, actorOf(o.rep2), '可见性')).toEqual([]);
    expect((await findOpportunitiesByText(h.ctx, actorOf(o.rep), '可见性'))[0].id).toBe(d.id);
  });

  it('a manager of a department tree sees the deals and numbers of the teams below theirs, not others', async () => {
    const lower = await createUser(h.ctx, system, 'cli', { name: '下级销售', role: 'rep', team: '下级组' });
    const d = await createOpportunity(h.ctx, actorOf(lower), 'api', { customerId: await o.customer({ owner: lower }), name: '下级的单', amountCents: 7_000_00, expectedCloseDate: '2026-12-20' });
    const tree: Actor = { kind: 'user', userId: o.manager.id, role: 'manager', teamId: o.manager.teamId, teamIds: [o.manager.teamId!, lower.teamId!] };
    expect((await getOpportunity(h.ctx, tree, d.id)).id).toBe(d.id);
    expect(await code(getOpportunity(h.ctx, o.as(o.manager), d.id))).toBe('NOT_FOUND'); // without the tree: own team only
    expect((await listOpportunities(h.ctx, tree, { limit: 100 })).items.map((x) => x.id)).toContain(d.id);
    const f = await pipelineForecast(h.ctx, tree, { period: '2026-12' });
    expect(f.scope).toMatchObject({ teamId: null, ownerId: null });
    const lowerOnly = await pipelineForecast(h.ctx, tree, { period: '2026-12', teamId: lower.teamId! });
    expect(lowerOnly.totals.pipelineCents).toBe(7_000_00);
    expect(f.totals.pipelineCents).toBeGreaterThan(lowerOnly.totals.pipelineCents);
    expect(await code(pipelineForecast(h.ctx, tree, { period: '2026-12', teamId: other.teamId! }))).toBe('NOT_FOUND');
  });

  it('bad input answers a 4xx naming the field and writes nothing', async () => {
    const c = await o.customer();
    const before = [await count('opportunities'), await count('opportunity_history'), await count('opportunity_lines')];
    const rep = o.as(o.rep);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ customerId: c, stage: '签约' }, 'VALIDATION', 'stage'],
      [{ customerId: c, amountCents: -1 }, 'VALIDATION', 'amountCents'],
      [{ customerId: c, amountCents: 100.5 }, 'VALIDATION', 'amountCents'],
      [{ customerId: c, expectedCloseDate: '2026-11-22' }, 'VALIDATION', 'expectedCloseDate'],
      [{ customerId: c, expectedCloseDate: '2026-02-30' }, 'VALIDATION', 'expectedCloseDate'],
      [{ customerId: 999_999 }, 'NOT_FOUND', 'customerId'],
      [{ customerId: c, stage: 'proposal' }, 'VALIDATION', 'amountCents'],
      [{ customerId: c, stage: 'won', amountCents: 100 }, 'VALIDATION', 'stage'],
      [{ customerId: c, probability: 90 }, 'FORBIDDEN', 'probability'],
      [{ customerId: c, lines: [{ name: 'x', quantity: 1, unitPriceCents: 10 }], amountCents: 11 }, 'VALIDATION', 'amountCents'],
    ];
    for (const [input, want, field] of cases) {
      const e = await createOpportunity(h.ctx, rep, 'api', input as never).then(() => null, (x) => x);
      expect([e?.code, e?.field]).toEqual([want, field]);
    }
    // Another team's customer is invisible to the rep: NOT_FOUND, not FORBIDDEN.
    const theirs = await o.customer({ owner: otherRep });
    expect(await code(createOpportunity(h.ctx, rep, 'api', { customerId: theirs }))).toBe('NOT_FOUND');
    expect([await count('opportunities'), await count('opportunity_history'), await count('opportunity_lines')]).toEqual(before);
  });

  it('stage rules: requirements, a loss needs a reason, nothing leaves a closed stage but a manager’s audited reopen', async () => {
    const rep = o.as(o.rep);
    const d = await createOpportunity(h.ctx, rep, 'chat', { customerId: await o.customer(), name: '规则' });
    expect(await code(moveStage(h.ctx, rep, 'chat', { opportunityId: d.id, stage: '方案报价' }))).toBe('VALIDATION');
    await updateOpportunity(h.ctx, rep, 'chat', { opportunityId: d.id, amountCents: 50_000_000 });
    const moved = await moveStage(h.ctx, rep, 'chat', { opportunityId: d.id, stage: '方案报价' });
    expect(moved).toMatchObject({ changed: true, opportunity: { stage: 'proposal', probability: 50 } });
    expect((await moveStage(h.ctx, rep, 'chat', { opportunityId: d.id, stage: 'proposal' })).changed).toBe(false);
    expect(await code(moveStage(h.ctx, rep, 'chat', { opportunityId: d.id, stage: '输单' }))).toBe('VALIDATION');
    const lost = await closeOpportunity(h.ctx, rep, 'chat', { opportunityId: d.id, outcome: 'lost', lossReason: 'price', lossNote: '对方预算只有一半' });
    expect(lost).toMatchObject({ status: 'lost', probability: 0, lossReason: 'price', lossNote: '对方预算只有一半' });
    expect(lost.closedAt).not.toBeNull();
    expect(await code(moveStage(h.ctx, rep, 'chat', { opportunityId: d.id, stage: 'negotiation' }))).toBe('INVALID_STATE');
    expect(await code(updateOpportunity(h.ctx, rep, 'chat', { opportunityId: d.id, amountCents: 1 }))).toBe('INVALID_STATE');
    expect(await code(reopenOpportunity(h.ctx, rep, 'chat', { opportunityId: d.id, reason: '客户回心转意' }))).toBe('FORBIDDEN');
    const back = await reopenOpportunity(h.ctx, o.as(o.manager), 'card', { opportunityId: d.id, reason: '客户回心转意' });
    expect(back).toMatchObject({ status: 'open', stage: 'proposal', probability: 50, lossReason: null, closedAt: null });
    const audits = await h.db.select<{ action: string }>("SELECT action FROM audit_log WHERE entity_type = 'opportunity' AND entity_id = :id ORDER BY id", { id: d.id });
    expect(audits.map((a) => a.action)).toEqual(expect.arrayContaining(['opportunity.lost', 'opportunity.reopen', 'opportunity.reopen_reason']));
    const rows = await history(d.id);
    expect(rows.filter((r) => r.field === 'stage').map((r) => `${r.from_value}>${r.to_value}`)).toEqual(['null>initial', 'initial>proposal', 'proposal>lost', 'lost>proposal']);
    // A reopen passes no stage: from rank = to rank.
    expect(rows.filter((r) => r.field === 'stage').pop()).toMatchObject({ from_rank: 3, to_rank: 3 });
  });

  it('a deal won by hand counts for the customer’s tier figures; reopening it takes the win back', async () => {
    const c = await o.customer();
    const figures = async () => (await h.db.select<{ won_count: number; won_total_cents: unknown }>('SELECT won_count, won_total_cents FROM customers WHERE id = :id', { id: c }))
      .map((r) => [Number(r.won_count), Number(r.won_total_cents)])[0];
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'chat', { customerId: c, name: '手动赢单', amountCents: 12_345_00 });
    expect(await code(closeOpportunity(h.ctx, o.as(o.rep), 'chat', { opportunityId: d.id, outcome: 'won' }))).toBe('OK');
    expect(await figures()).toEqual([1, 12_345_00]);
    expect(await code(closeOpportunity(h.ctx, o.as(o.rep), 'chat', { opportunityId: d.id, outcome: 'won' }))).toBe('ALREADY_DONE');
    await reopenOpportunity(h.ctx, o.as(o.manager), 'api', { opportunityId: d.id, reason: '客户撤回' });
    expect(await figures()).toEqual([0, 0]);
  });

  it('a deal reaches each stage once: going back and forth or reopening does not count it again', async () => {
    const rep = o.as(o.rep);
    const d = await createOpportunity(h.ctx, rep, 'api', { customerId: await o.customer(), name: '来回', amountCents: 5_000_00 });
    for (const stage of ['proposal', 'qualified', 'proposal', 'negotiation']) await moveStage(h.ctx, rep, 'api', { opportunityId: d.id, stage });
    await closeOpportunity(h.ctx, rep, 'api', { opportunityId: d.id, outcome: 'lost', lossReason: 'timing' });
    await reopenOpportunity(h.ctx, o.as(o.manager), 'api', { opportunityId: d.id, reason: '重启' });
    await closeOpportunity(h.ctx, rep, 'api', { opportunityId: d.id, outcome: 'won' });
    const rows = await h.db.select<{ to_value: string; reach_mask: number }>("SELECT to_value, reach_mask FROM opportunity_history WHERE opportunity_id = :id AND field = 'stage' ORDER BY id", { id: d.id });
    // initial: rank 1; → proposal passes 2, 3; back and forth adds nothing until negotiation (4); lost, reopen: none; won: 5.
    expect(rows.map((r) => [r.to_value, Number(r.reach_mask)])).toEqual([['initial', 1], ['proposal', 6], ['qualified', 0], ['proposal', 0], ['negotiation', 8], ['lost', 0], ['negotiation', 0], ['won', 16]]);
    const [deal] = await h.db.select<{ reached_mask: number }>('SELECT reached_mask FROM opportunities WHERE id = :id', { id: d.id });
    expect(Number(deal.reached_mask)).toBe(31);
  });

  it('a manager overrides the probability until cleared; a rep cannot; the stage default returns', async () => {
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'api', { customerId: await o.customer(), name: '赢率', amountCents: 1_000_00 });
    expect(await code(updateOpportunity(h.ctx, o.as(o.rep), 'api', { opportunityId: d.id, probability: 70 }))).toBe('FORBIDDEN');
    expect(await code(updateOpportunity(h.ctx, actorOf(other), 'api', { opportunityId: d.id, probability: 70 }))).toBe('NOT_FOUND');
    const set = await updateOpportunity(h.ctx, o.as(o.manager), 'api', { opportunityId: d.id, probability: 35 });
    expect(set).toMatchObject({ probability: 35, probabilityOverridden: true, weightedCents: 35_000 }); // ¥1,000.00 × 35%
    const moved = (await moveStage(h.ctx, o.as(o.rep), 'api', { opportunityId: d.id, stage: 'qualified' })).opportunity;
    expect(moved).toMatchObject({ probability: 35, probabilityOverridden: true });
    const cleared = await updateOpportunity(h.ctx, o.as(o.manager), 'api', { opportunityId: d.id, probability: null });
    expect(cleared).toMatchObject({ probability: 20, probabilityOverridden: false });
  });

  it('a stale version is refused with CONFLICT; two managers moving one deal at once leave one consistent chain', async () => {
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'api', { customerId: await o.customer(), name: '并发', amountCents: 80_000_00 });
    expect(await code(updateOpportunity(h.ctx, o.as(o.rep), 'api', { opportunityId: d.id, expectedVersion: 99, name: 'x' }))).toBe('CONFLICT');
    for (let round = 0; round < 3; round++) {
      const targets = ['qualified', 'proposal', 'negotiation', 'initial'];
      await Promise.allSettled(targets.map((stage, i) => moveStage(h.ctx, i % 2 ? o.as(o.manager) : o.as(o.admin), 'card', { opportunityId: d.id, stage })));
    }
    const chain = (await history(d.id)).filter((r) => r.field === 'stage');
    for (let i = 1; i < chain.length; i++) expect(chain[i].from_value).toBe(chain[i - 1].to_value);
    const now = await getOpportunity(h.ctx, o.as(o.rep), d.id);
    expect(chain[chain.length - 1].to_value).toBe(now.stage);
    expect(now.version).toBe(chain.length); // one version per move, none lost
  });

  it('quote → accepted → contract pending approval; accepting twice at once gives one contract; approval wins the deal', async () => {
    const rep = o.as(o.rep);
    const d = await createOpportunity(h.ctx, rep, 'chat', { customerId: await o.customer(), name: '报价', lines: [{ name: '软件授权', quantity: 2, unitPriceCents: 30_000_00 }] });
    const q1 = await createQuote(h.ctx, rep, 'card', { opportunityId: d.id });
    expect(q1).toMatchObject({ version: 1, status: 'draft', amountCents: 60_000_00, validUntil: '2026-12-23' });
    const q2 = await createQuote(h.ctx, rep, 'card', { opportunityId: d.id, lines: [{ name: '软件授权', quantity: 2, unitPriceCents: 30_000_00, discountBp: 1000 }] });
    expect(q2).toMatchObject({ version: 2, amountCents: 54_000_00, discountBp: 1000 });
    expect((await getQuote(h.ctx, rep, q1.id)).status).toBe('superseded');
    expect(await code(getQuote(h.ctx, o.as(o.rep2), q2.id))).toBe('NOT_FOUND');
    expect((await sendQuote(h.ctx, rep, 'card', { quoteId: q2.id })).status).toBe('sent');
    const before = await count('contracts');
    const both = await Promise.all([acceptQuote(h.ctx, rep, 'card', { quoteId: q2.id }), acceptQuote(h.ctx, rep, 'card', { quoteId: q2.id })]);
    expect(await count('contracts')).toBe(before + 1);
    expect(both.map((r) => r.created).sort()).toEqual([false, true]);
    expect(new Set(both.map((r) => r.contract.id)).size).toBe(1);
    const made = both.find((r) => r.created)!;
    expect(made.contract).toMatchObject({ status: 'pending_approval', amountCents: 54_000_00, opportunityId: d.id, quoteId: q2.id, customerId: d.customerId, ownerId: o.rep.id });
    expect(made.quote).toMatchObject({ status: 'accepted', contractId: made.contract.id });
    const step = made.approval!.steps[0];
    await decideStep(h.ctx, actorOf(o.manager), 'card', { stepId: step.id, decision: 'approve' });
    const won = await getOpportunity(h.ctx, rep, d.id);
    expect(won).toMatchObject({ status: 'won', stage: 'won', probability: 100, wonContractId: made.contract.id, amountCents: 54_000_00 });
    const stages = (await history(d.id)).filter((r) => r.field !== 'close_date').map((r) => `${r.field}:${r.from_value}>${r.to_value}`);
    expect(stages).toEqual(['stage:null>initial', 'amount:null>6000000', 'amount:6000000>5400000', 'stage:initial>won']);
    // The contract counted once for the customer's won figures (not again for the deal).
    const c = await h.db.select<{ won_count: number; won_total_cents: unknown }>('SELECT won_count, won_total_cents FROM customers WHERE id = :id', { id: d.customerId });
    expect([Number(c[0].won_count), Number(c[0].won_total_cents)]).toEqual([1, 54_000_00]);
    expect(await code(reopenOpportunity(h.ctx, o.as(o.manager), 'api', { opportunityId: d.id, reason: 'x' }))).toBe('INVALID_STATE');
  });

  it('an expired quote cannot be accepted', async () => {
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'chat', { customerId: await o.customer(), name: '过期', amountCents: 9_000_00 });
    const q = await createQuote(h.ctx, o.as(o.rep), 'card', { opportunityId: d.id, validUntil: '2026-11-30' });
    h.clock.advance(10 * DAY);
    try {
      expect(await code(acceptQuote(h.ctx, o.as(o.rep), 'card', { quoteId: q.id }))).toBe('EXPIRED');
    } finally {
      h.clock.advance(-10 * DAY);
    }
  });

  it('the renewal reminder opens one renewal opportunity, however often it is tapped', async () => {
    const cust = await o.customer();
    const c = await createContract(h.ctx, o.as(o.rep), 'api', { customerId: cust, startDate: '2025-12-01', endDate: '2026-12-15', title: '年度订阅', lines: [{ name: '订阅', quantity: 1, unitPriceCents: 90_000_00 }] }); // under ¥100,000: the manager alone approves
    const v = await submitContract(h.ctx, o.as(o.rep), 'api', { contractId: c.id });
    await decideStep(h.ctx, actorOf(o.manager), 'card', { stepId: v.steps[0].id, decision: 'approve' });
    const taps = await Promise.all([1, 2, 3].map(() => createRenewalOpportunity(h.ctx, o.as(o.rep), 'card', { contractId: c.id })));
    expect(taps.filter((t) => t.created)).toHaveLength(1);
    expect(new Set(taps.map((t) => t.opportunity.id)).size).toBe(1);
    const r = taps[0].opportunity;
    expect(r).toMatchObject({ pipelineKey: 'renewal', stage: 'renewal_due', probability: 40, source: 'renewal', renewalOfContractId: c.id, amountCents: 90_000_00, expectedCloseDate: '2026-12-15', ownerId: o.rep.id });
    // A contract with a renewal opportunity is not reminded again.
    const reminded = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'contract.renewal_due' AND dedupe_key LIKE :k", { k: `contract:${c.id}:%` });
    await runRenewalReminders(h.ctx);
    const after = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM outbox WHERE kind = 'contract.renewal_due' AND dedupe_key LIKE :k", { k: `contract:${c.id}:%` });
    expect(Number(after[0].n)).toBe(Number(reminded[0].n));
    expect((await getContract(h.ctx, o.as(o.rep), c.id)).status).toBe('active');
  });

  it('lead conversion opens an opportunity when asked, once', async () => {
    const lead = await captureLead(h.ctx, o.as(o.rep), 'chat', { company: '线索转商机有限公司', contactName: '王五', phone: '13800001111', source: 'chat', autoAssign: false });
    const id = lead.lead!.id;
    await h.db.sequelize.query('UPDATE leads SET owner_id = :u WHERE id = :id', { replacements: { u: o.rep.id, id } });
    const r = await convertLead(h.ctx, o.as(o.rep), 'card', id, null, { opportunity: { amountCents: 30_000_00, expectedCloseDate: '2027-01-31' } });
    expect(r.opportunityId).not.toBeNull();
    const d = await getOpportunity(h.ctx, o.as(o.rep), r.opportunityId!);
    expect(d).toMatchObject({ customerId: r.customerId, leadId: id, source: 'lead', amountCents: 30_000_00, expectedCloseDate: '2027-01-31', ownerId: o.rep.id });
    const again = await convertLead(h.ctx, o.as(o.rep), 'card', id, null, { opportunity: true });
    expect(again).toMatchObject({ alreadyConverted: true, opportunityId: r.opportunityId });
    // The 360° view lists it; an open deal keeps the customer out of the pool's recycling.
    const view = await getCustomer360(h.ctx, o.as(o.rep), r.customerId);
    expect((view.sections.opportunities as { id: number }[]).map((x) => x.id)).toContain(r.opportunityId);
    const excl = h.ctx.registry.recycleExclusions.get('opportunities.open')!;
    expect([...(await excl.fn(h.ctx, [r.customerId]))]).toEqual([r.customerId]);
  });

  it('a large deal’s stage change notifies the owner’s manager (threshold in settings), not for small deals', async () => {
    await updatePipelineSettings(h.ctx, o.as(o.admin), 'api', { largeDealCents: 100_000_00 });
    const small = await createOpportunity(h.ctx, o.as(o.rep), 'chat', { customerId: await o.customer(), name: '小单', amountCents: 99_999_99 });
    const big = await createOpportunity(h.ctx, o.as(o.rep), 'chat', { customerId: await o.customer(), name: '大单', amountCents: 100_000_00 });
    await moveStage(h.ctx, o.as(o.rep), 'chat', { opportunityId: small.id, stage: 'negotiation' });
    await moveStage(h.ctx, o.as(o.rep), 'chat', { opportunityId: big.id, stage: 'negotiation' });
    const msgs = await h.db.select<{ recipient: string; payload: string }>("SELECT recipient, payload FROM outbox WHERE kind = 'opportunity.stage_changed'");
    const about = msgs.map((m) => ({ to: Number(m.recipient), p: payload<{ opportunityId: number; toStage: string }>(m.payload) }));
    expect(about.filter((m) => m.p.opportunityId === small.id)).toEqual([]);
    expect(about.filter((m) => m.p.opportunityId === big.id).map((m) => [m.to, m.p.toStage])).toEqual([[o.manager.id, 'initial'], [o.manager.id, 'negotiation']]);
    await updatePipelineSettings(h.ctx, o.as(o.admin), 'api', { largeDealCents: 50_000_000 });
  });

  it('stages are data: an admin edits probabilities (open deals that follow the default follow), a stage in use cannot go', async () => {
    const p = await getPipeline(h.ctx);
    const d = await createOpportunity(h.ctx, o.as(o.rep), 'chat', { customerId: await o.customer(), name: '改阶段', stage: 'qualified' });
    const stages = p.stages.map((s) => (s.key === 'qualified' ? { ...s, probability: 25 } : s));
    expect(await code(updatePipeline(h.ctx, o.as(o.manager), 'api', { pipelineId: p.id, stages }))).toBe('FORBIDDEN');
    await updatePipeline(h.ctx, o.as(o.admin), 'api', { pipelineId: p.id, stages });
    expect((await getOpportunity(h.ctx, o.as(o.rep), d.id)).probability).toBe(25);
    expect(await code(updatePipeline(h.ctx, o.as(o.admin), 'api', { pipelineId: p.id, stages: stages.filter((s) => s.key !== 'qualified') }))).toBe('CONFLICT');
    await updatePipeline(h.ctx, o.as(o.admin), 'api', { pipelineId: p.id, stages: p.stages });
  });
});

describeEachDb('funnel and forecast', (h) => {
  let o: Org;
  let team: { rep: Actor; rep2: Actor; manager: Actor };
  beforeAll(async () => {
    o = await makeOrg(h.ctx);
    team = { rep: o.as(o.rep), rep2: o.as(o.rep2), manager: o.as(o.manager) };
    // A hand-built quarter (2027-Q1). The clock starts 2026-12-01 (Shanghai), deals move in January.
    h.clock.set('2026-12-01T02:00:00Z');
    const mk = async (who: Actor, owner: UserDto, name: string, amountCents: number, close: string) => createOpportunity(h.ctx, who, 'api', { customerId: await o.customer({ owner }), name, amountCents, expectedCloseDate: close });
    const a = await mk(team.rep, o.rep, 'A', 100_000_00, '2027-01-20'); // → won in January
    const b = await mk(team.rep, o.rep, 'B', 200_000_00, '2027-02-10'); // → proposal (skips qualified)
    const c = await mk(team.rep2, o.rep2, 'C', 50_000_00, '2027-02-28'); // → qualified → lost
    await mk(team.rep2, o.rep2, 'D', 40_000_00, '2027-03-15'); // stays initial
    const e = await mk(team.rep, o.rep, 'E', 80_000_00, '2027-03-31'); // → negotiation
    await mk(team.rep, o.rep, 'F', 10_000_00, '2027-04-02'); // outside the quarter
    h.clock.set('2027-01-05T02:00:00Z');
    await moveStage(h.ctx, team.rep, 'api', { opportunityId: a.id, stage: 'qualified' });
    await moveStage(h.ctx, team.rep, 'api', { opportunityId: b.id, stage: 'proposal' });
    await moveStage(h.ctx, team.rep2, 'api', { opportunityId: c.id, stage: 'qualified' });
    await moveStage(h.ctx, team.rep, 'api', { opportunityId: e.id, stage: 'negotiation' });
    h.clock.set('2027-01-15T02:00:00Z');
    await closeOpportunity(h.ctx, team.rep, 'api', { opportunityId: a.id, outcome: 'won' }); // period_date → 2027-01-15
    await closeOpportunity(h.ctx, team.rep2, 'api', { opportunityId: c.id, outcome: 'lost', lossReason: 'competitor' }); // → 2027-01-15
    h.clock.set('2027-02-01T02:00:00Z');
  });

  it('funnel for the team and the quarter: now per stage, reached from history, conversion, days in stage, win rate', async () => {
    const f = await pipelineFunnel(h.ctx, team.manager, { period: '2027-Q1' });
    expect(f.period).toEqual({ label: '2027-Q1', from: '2027-01-01', to: '2027-03-31' });
    expect(f.scope).toMatchObject({ teamId: o.manager.teamId, ownerId: null, currency: 'CNY' });
    const by = Object.fromEntries(f.stages.map((s) => [s.key, s]));
    expect(by.initial).toMatchObject({ count: 1, amountCents: 40_000_00, weightedCents: 4_000_00 });
    expect(by.proposal).toMatchObject({ count: 1, amountCents: 200_000_00, weightedCents: 100_000_00 });
    expect(by.negotiation).toMatchObject({ count: 1, amountCents: 80_000_00, weightedCents: 64_000_00 });
    expect(by.won).toMatchObject({ count: 1, amountCents: 100_000_00 });
    // History in the quarter: A initial→qualified→won; B initial→proposal; C initial→qualified→lost; E initial→negotiation.
    // Reached rank ≥ 2 (qualified): A, B, C, E = 4; ≥ 3 (proposal): A (via won), B, E = 3; ≥ 4: A, E = 2; won: A = 1.
    expect(f.stages.map((s) => s.reached)).toEqual([0, 4, 3, 2, 1]);
    expect(by.qualified.conversionToNext).toBe(0.75);
    expect(by.proposal.conversionToNext).toBeCloseTo(2 / 3, 4);
    expect(by.negotiation.conversionToNext).toBe(0.5);
    expect(by.initial.conversionToNext).toBeNull();
    // Days in stage (left during the quarter): initial 35 days × 4 (A, B, C, E); qualified 10 days × 2 (A, C).
    expect(by.initial.avgDaysInStage).toBe(35);
    expect(by.qualified.avgDaysInStage).toBe(10);
    expect(f.winRate).toEqual({ won: 1, lost: 1, rate: 0.5 });
  });

  it('forecast by month: weighted, commit (won + commit stages), best case (+ best-case stages)', async () => {
    const f = await pipelineForecast(h.ctx, team.manager, { period: '2027-Q1' });
    expect(f.months.map((m) => m.month)).toEqual(['2027-01', '2027-02', '2027-03']);
    const [jan, feb, mar] = f.months;
    expect(jan).toMatchObject({ open: 0, won: 1, wonCents: 100_000_00, commitCents: 100_000_00, bestCaseCents: 100_000_00, weightedCents: 0 });
    expect(feb).toMatchObject({ open: 1, pipelineCents: 200_000_00, weightedCents: 100_000_00, commitCents: 0, bestCaseCents: 200_000_00 });
    expect(mar).toMatchObject({ open: 2, pipelineCents: 120_000_00, weightedCents: 4_000_00 + 64_000_00, commitCents: 80_000_00, bestCaseCents: 80_000_00 });
    expect(f.totals).toMatchObject({ open: 3, won: 1, wonCents: 100_000_00, weightedCents: 168_000_00, commitCents: 180_000_00, bestCaseCents: 380_000_00 });
  });

  it('scope: a rep sees their own; a manager cannot ask for another team; admins see the company', async () => {
    const mine = await pipelineForecast(h.ctx, team.rep2, { period: '2027-Q1' });
    expect(mine.scope.ownerId).toBe(o.rep2.id);
    expect(mine.totals).toMatchObject({ open: 1, pipelineCents: 40_000_00 });
    expect(await code(pipelineForecast(h.ctx, team.rep2, { period: '2027-Q1', ownerId: o.rep.id }))).toBe('NOT_FOUND');
    expect(await code(pipelineFunnel(h.ctx, team.manager, { period: '2027-Q1', teamId: 999 }))).toBe('NOT_FOUND');
    expect(await code(pipelineFunnel(h.ctx, team.manager, { period: 'Q5' }))).toBe('VALIDATION');
    const all = await pipelineForecast(h.ctx, o.as(o.admin), { period: '2027' });
    expect(all.months).toHaveLength(12);
    expect(all.totals.pipelineCents).toBe(330_000_00); // B, D, E, F open
  });

  it('stuck deals get a daily digest, once per person and day', async () => {
    h.clock.set('2027-02-20T02:00:00Z'); // D has sat in initial since 2026-12-01; B, E since 2027-01-05 (46 days)
    const r1 = await runStuckDigest(h.ctx);
    const r2 = await runStuckDigest(h.ctx);
    expect(r1).toEqual({ owners: 2, managers: 1 });
    expect(r2).toEqual(r1);
    const rows = await h.db.select<{ recipient: string; payload: string }>("SELECT recipient, payload FROM outbox WHERE kind = 'opportunity.stuck_digest' ORDER BY id");
    expect(rows).toHaveLength(3);
    const toManager = rows.map((r) => ({ to: Number(r.recipient), p: payload(r.payload) })).find((r) => r.to === o.manager.id)!;
    expect(toManager.p).toMatchObject({ audience: 'manager', total: 4, stuckDays: 14 });
  });
});
