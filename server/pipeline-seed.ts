import type { Actor, Channel, CoreContext, Role } from '../core/context';
import { acceptQuote } from '../core/contracts/from-quote';
import { decideStep } from '../core/approvals/operations';
import { createQuote, sendQuote } from '../core/opportunities/quotes';
import { ManualClock } from '../core/ports';
import { rng } from '../core/factories';
import { opportunityJourney, opportunityName, type Journey } from '../core/factories/opportunities';
import { closeOpportunity, createOpportunity, moveStage, updateOpportunity } from '../core/opportunities/operations';
import { getPipeline, getPipelineSettings, updatePipelineSettings } from '../core/opportunities/pipelines';
import type { PipelineDto } from '../core/opportunities/schemas';
import { MAX_CENTS } from '../core/shared/money';

export interface PipelineSeedSummary {
  opportunities: number;
  open: number;
  won: number;
  lost: number;
  /** Stage changes, amount and close-date revisions replayed after the creations. */
  changes: number;
  /** New-business deals won through a quote, its contract and the contract's approval. */
  contracts: number;
}

const DAY = 86_400_000;
/** Deals of the demo: created over the last five months. */
const DEMO_DEALS = 36;
/** Renewals among them (a few more when a renewal stage is still empty at the end). */
const DEMO_RENEWALS = 8;
const SPAN_DAYS = 150;

interface Planned {
  customerId: number;
  customerName: string;
  actor: Actor;
  pipeline: PipelineDto;
  journey: Journey;
}

/**
 * The demo's sales pipeline: three dozen deals of the demo reps on their own customers, in both pipelines and every
 * stage, some won and some lost (with reasons), with five months of history. Each deal's life comes from the same
 * journey factory the bench uses (core/factories/opportunities.ts) and is replayed through the core operations —
 * createOpportunity, moveStage, updateOpportunity, closeOpportunity — in time order under a manual clock, so the
 * history, audit log and won-deal figures are the ones the product writes. New-business deals are won through a
 * quote, its contract and the contract's approval; renewals are closed as won by hand (the manual close-won path). The large-deal notice is held back during
 * the replay (months-old stage changes are not news); the setting is restored afterwards.
 */
export async function seedPipelineDemo(ctx: CoreContext): Promise<PipelineSeedSummary> {
  const now = ctx.clock.now();
  const clock = new ManualClock(now);
  const c: CoreContext = { ...ctx, clock };
  const defaultPipeline = await getPipeline(ctx, 'default');
  const renewal = await getPipeline(ctx, 'renewal');
  const customers = await ctx.db.select<{ id: number; name: string; owner_id: number; team_id: number | null }>(
    "SELECT c.id, c.name, c.owner_id, u.team_id FROM customers c JOIN users u ON u.id = c.owner_id WHERE u.role = 'rep' ORDER BY c.id",
  );
  if (!customers.length) return { opportunities: 0, open: 0, won: 0, lost: 0, changes: 0, contracts: 0 };

  // Draw deals until both pipelines have every stage, at most a few a stage (a believable board, not all lost).
  const r = rng(20261215);
  const planned: Planned[] = [];
  const perStage = new Map<string, number>();
  const cap = (p: PipelineDto, stage: string) => (stage === 'lost' ? 7 : stage === 'won' ? 6 : p.kind === 'renewal' ? 3 : 5);
  const every = [defaultPipeline, renewal].flatMap((p) => p.stages.map((s) => `${p.id}:${s.key}`));
  for (let k = 0; planned.length < DEMO_DEALS && k < 5_000; k++) {
    // The last slots go to stages no deal stands in yet.
    const missing = every.filter((x) => !perStage.has(x));
    const strict = DEMO_DEALS - planned.length <= missing.length;
    const renewals = planned.filter((d) => d.pipeline.id === renewal.id).length;
    const p = strict ? (missing[k % missing.length].startsWith(`${renewal.id}:`) ? renewal : defaultPipeline) : renewals < DEMO_RENEWALS && k % 4 === 3 ? renewal : defaultPipeline;
    const created = new Date(now.getTime() - 3 * 3_600_000 - Math.floor(r() * SPAN_DAYS * DAY));
    const journey = opportunityJourney(r, { stages: p.stages, renewal: p.kind === 'renewal', created, now, extras: r() < 0.5 ? 1 : 0 });
    const key = `${p.id}:${journey.stage}`;
    if ((perStage.get(key) ?? 0) >= cap(p, journey.stage) || (strict && !missing.includes(key))) continue;
    const cu = customers[(planned.length * 7) % customers.length];
    perStage.set(key, (perStage.get(key) ?? 0) + 1);
    planned.push({
      customerId: Number(cu.id),
      customerName: cu.name,
      actor: { kind: 'user', userId: Number(cu.owner_id), role: 'rep', teamId: cu.team_id === null ? null : Number(cu.team_id) },
      pipeline: p,
      journey,
    });
  }

  // Every event of every deal, in time order (deals get their ids in the order they were created).
  const events = planned.flatMap((d, i) => d.journey.events.map((e, k) => ({ d, i, k, e }))).sort((a, b) => a.e.at.getTime() - b.e.at.getTime() || a.i - b.i || a.k - b.k);
  const ids = new Map<number, number>();
  const settings = await getPipelineSettings(ctx);
  const system = { kind: 'system' } as const;
  await updatePipelineSettings(ctx, system, 'cli', { largeDealCents: MAX_CENTS });
  let changes = 0;
  let contracts = 0;
  const prevAt = new Map<number, Date>();
  try {
    for (const { d, i, k, e } of events) {
      clock.set(e.at);
      const lastAt = prevAt.get(i);
      prevAt.set(i, e.at);
      const channel: Channel = k % 3 === 2 ? 'card' : 'chat';
      if (e.kind === 'create') {
        const j = d.journey;
        const o = await createOpportunity(c, d.actor, channel, {
          customerId: d.customerId,
          name: opportunityName(d.customerName, j),
          pipelineId: d.pipeline.id,
          stage: e.stage,
          amountCents: j.initialAmountCents,
          expectedCloseDate: j.initialCloseDate,
          source: j.source,
          ...(j.campaign ? { campaign: j.campaign } : {}),
          ...(j.competitors.length ? { competitors: j.competitors } : {}),
          ...(j.nextStep ? { nextStep: j.nextStep } : {}),
        });
        ids.set(i, o.id);
        continue;
      }
      const opportunityId = ids.get(i)!;
      changes++;
      if (e.kind === 'amount') await updateOpportunity(c, d.actor, channel, { opportunityId, amountCents: e.to });
      else if (e.kind === 'close_date') await updateOpportunity(c, d.actor, channel, { opportunityId, expectedCloseDate: e.to });
      else if (e.stage === 'won' && d.pipeline.id === defaultPipeline.id) {
        await winByContract(c, clock, d.actor, opportunityId, lastAt ?? d.journey.created, e.at);
        contracts++;
      } else if (e.stage === 'won') await closeOpportunity(c, d.actor, channel, { opportunityId, outcome: 'won' });
      else if (e.stage === 'lost') await closeOpportunity(c, d.actor, channel, { opportunityId, outcome: 'lost', lossReason: e.lossReason ?? 'other', ...(e.lossNote ? { lossNote: e.lossNote } : {}) });
      else await moveStage(c, d.actor, channel, { opportunityId, stage: e.stage });
    }
  } finally {
    await updatePipelineSettings(ctx, system, 'cli', { largeDealCents: settings.largeDealCents });
  }
  return {
    opportunities: planned.length,
    open: planned.filter((d) => d.journey.status === 'open').length,
    won: planned.filter((d) => d.journey.status === 'won').length,
    lost: planned.filter((d) => d.journey.status === 'lost').length,
    changes,
    contracts,
  };
}

/**
 * A new-business deal is won the way the product wins it: a quote from the deal (one line of its amount), sent,
 * accepted by the customer (a contract draft submitted for approval), approved step by step by its approvers — the
 * approval closes the deal as won with its contract. Between the deal's previous event and the win.
 */
async function winByContract(c: CoreContext, clock: ManualClock, rep: Actor, opportunityId: number, after: Date, at: Date): Promise<void> {
  const span = at.getTime() - after.getTime();
  clock.set(new Date(after.getTime() + Math.floor(span * 0.3)));
  const quote = await createQuote(c, rep, 'card', { opportunityId });
  await sendQuote(c, rep, 'card', { quoteId: quote.id });
  clock.set(new Date(after.getTime() + Math.floor(span * 0.6)));
  let view = (await acceptQuote(c, rep, 'card', { quoteId: quote.id })).approval;
  clock.set(at);
  for (let guard = 0; view?.currentStep && guard < 10; guard++) {
    const u = (await c.db.select<{ role: Role; team_id: number | null }>('SELECT role, team_id FROM users WHERE id = :id', { id: view.currentStep.approverId }))[0];
    const approver: Actor = { kind: 'user', userId: view.currentStep.approverId, role: u.role, teamId: u.team_id === null ? null : Number(u.team_id) };
    view = (await decideStep(c, approver, 'card', { stepId: view.currentStep.id, decision: 'approve' })).view;
  }
}
