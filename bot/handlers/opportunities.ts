import { randomUUID } from 'node:crypto';
import type { BotRegistry } from '../registry';
import { t } from '../i18n';
import { errorText } from '../errors';
import { alreadyDone, claimActionKey, saveActionResult } from '../actions';
import { toDbId } from '../../core/shared/fields';
import { AppError, isAppError } from '../../core/errors';
import type { Actor, CoreContext } from '../../core/context';
import { actorOf } from '../../core/users/operations';
import { findCustomersByName } from '../../core/customers/operations';
import { claimCustomer } from '../../core/pool/operations';
import { findAmount } from '../../core/intent/money';
import { NEXT_STAGE, type StageWords } from '../../core/intent/opportunity';
import { createOpportunity, findOpportunitiesByText, getOpportunity, moveStage, updateOpportunity, type OpportunityDto } from '../../core/opportunities/operations';
import { getPipeline, listPipelines } from '../../core/opportunities/pipelines';
import { openPipelineSummary, pipelineForecast, pipelineFunnel } from '../../core/opportunities/forecast';
import { createQuote, listQuotes, rejectQuote, sendQuote } from '../../core/opportunities/quotes';
import { acceptQuote } from '../../core/contracts/from-quote';
import { createRenewalOpportunity } from '../../core/contracts/renewal-opportunity';
import { LOSS_REASONS, type LossReason, type PipelineDto, type Stage } from '../../core/opportunities/schemas';
import { markdown, md, type Card } from '../cards/kit';
import {
  type Audience, askCustomerCard, chooseCustomerCard, claimFirstCard, chooseOpportunityCard, createFormCard, forecastCard, lossFormCard, opportunityCard, pipelineCard, stageLabel, type OpportunityDraft,
} from '../render/opportunities';
import type { CardActionCommand, CardActionHandler, CardActionResult, ChatHandler, HandlerKit } from '../types';

/**
 * The sales pipeline in chat. Messages (read by core/intent/opportunity.ts with the pipelines' own stage names):
 * a new deal from one message, a stage move ("远航ERP 进入谈判", "那单输了，价格原因"), "my pipeline", the forecast.
 * Cards: the opportunity card's stage buttons, loss reason, amount and quote buttons all answer with the card
 * itself, updated in place; a stale card (the deal changed meanwhile) answers with the current card.
 * Every read and change goes through the core with the sender as actor: another rep's deal is "not found".
 */

/** Every pipeline's stages, as the intent parser reads them (the dispatcher passes them to parseMessage). */
export async function chatStages(core: CoreContext): Promise<StageWords[]> {
  const pipelines = await listPipelines(core);
  // The default pipeline first: a stage name both pipelines share is read as the default pipeline's.
  return [...pipelines].sort((a, b) => Number(b.isDefault) - Number(a.isDefault)).flatMap((p) => p.stages.map((s) => ({ key: s.key, name: s.name, nameEn: s.nameEn, category: s.category })));
}

const L = (kit: HandlerKit) => (zh: string, en: string) => t(kit.deps.locale, { 'zh-CN': zh, en });
const cardOnly = (c: Card) => c as unknown as Record<string, unknown>;

function idOf(v: unknown, field: string): number {
  const id = toDbId(v);
  if (id === null) throw new AppError('VALIDATION', { field });
  return id;
}

function lossReasonOf(v: unknown): LossReason | null {
  return typeof v === 'string' && (LOSS_REASONS as readonly string[]).includes(v) ? (v as LossReason) : null;
}

/** The stage of `pipeline` that a stage key read from a message (maybe another pipeline's) means. */
export function stageIn(pipeline: PipelineDto, key: string, all: PipelineDto[], current?: string): Stage | null {
  if (key === NEXT_STAGE) {
    // "进入下一阶段": the open stage after the current one (the last open stage has none: 赢单 is said, not implied).
    const open = pipeline.stages.filter((s) => s.category !== 'won' && s.category !== 'lost');
    const i = open.findIndex((s) => s.key === current);
    return i >= 0 && i + 1 < open.length ? open[i + 1] : null;
  }
  const own = pipeline.stages.find((s) => s.key === key);
  if (own) return own;
  const said = all.flatMap((p) => p.stages).find((s) => s.key === key);
  if (!said) return null;
  if (said.category === 'won' || said.category === 'lost') return pipeline.stages.find((s) => s.category === said.category) ?? null;
  // 谈判 said of a renewal deal → 续约谈判: the stage whose name ends with (or equals) the word said.
  return pipeline.stages.find((s) => s.name.endsWith(said.name) || s.nameEn.toLowerCase().endsWith(said.nameEn.toLowerCase())) ?? null;
}

/** The deal's quotes for its card, read in the card action's transaction (the deal may be new in it). */
const quotesOf = (kit: HandlerKit, opportunityId: number) => listQuotes(kit.deps.core, { kind: 'system' }, opportunityId, kit.t);

async function cardOf(kit: HandlerKit, o: OpportunityDto, opts: { heading?: string; extra?: ReturnType<typeof markdown>[] } = {}): Promise<Card> {
  const pipeline = await getPipeline(kit.deps.core, o.pipelineId, kit.t);
  const quotes = o.status === 'open' ? await quotesOf(kit, o.id) : [];
  return opportunityCard(o, pipeline, { locale: kit.deps.locale, heading: opts.heading, quotes, extra: opts.extra });
}

/** A card in chat; a deal's card gets a key (oppcard:<deal>:<n>) so later changes can update it in place. */
async function replyCard(kit: HandlerKit, c: Card, dealId?: number): Promise<void> {
  await kit.reply({ kind: 'opportunity.card', payload: { card: c } as never, ...(dealId ? { dedupeKey: `oppcard:${dealId}:${randomUUID()}` } : {}) });
}

/**
 * The deal changed: its cards sent in chat during the last 14 days (Lark patches no older message) are updated in
 * place through the outbox, as approval cards are — except the card whose button was tapped, which the tap's own
 * answer replaces. The three most recent copies are enough: older ones answer a tap with the current card anyway.
 */
async function refreshCopies(kit: HandlerKit, o: OpportunityDto, exceptMessageId: string | null): Promise<void> {
  const since = new Date(kit.deps.core.clock.now().getTime() - 14 * 86_400_000);
  const rows = await kit.deps.core.db.select<{ dedupe_key: string; message_id: string | null }>(
    "SELECT dedupe_key, message_id FROM outbox WHERE dedupe_key LIKE :k AND op = 'send' AND created_at >= :since ORDER BY id DESC LIMIT 3",
    { k: `oppcard:${o.id}:%`, since },
    kit.t,
  );
  const copies = rows.filter((r) => !exceptMessageId || r.message_id !== exceptMessageId);
  if (!copies.length) return;
  const card = await cardOf(kit, o);
  for (const r of copies) await kit.reply({ kind: 'opportunity.card', payload: { card } as never, updateOf: r.dedupe_key });
}

// ------------------------------------------------------------------ create

async function resolveAndCreate(kit: HandlerKit, actor: Actor, draft: OpportunityDraft, extra: { nextStep?: string | null } = {}): Promise<{ card: Card; created: OpportunityDto | null; repeat?: CardActionResult }> {
  let d = draft;
  if (!d.customer) return { card: askCustomerCard(d, kit.deps.locale), created: null };
  const found = await findCustomersByName(kit.deps.core, actor, d.customer, 8);
  const exact = found.filter((c) => c.name === d.customer);
  let pick = exact.length === 1 ? exact : found;
  if (!pick.length && d.name) {
    // "商机 ERP升级 远航 50万": the customer was not the first word; one of the others names exactly one customer.
    const words = d.name.split(/\s+/).filter((w) => w.length >= 2).slice(0, 3);
    for (const w of words) {
      const hits = await findCustomersByName(kit.deps.core, actor, w, 3);
      const one = hits.filter((c) => c.name === w).length === 1 ? hits.filter((c) => c.name === w) : hits;
      if (one.length === 1) {
        d = { ...d, name: [d.customer, ...d.name.split(/\s+/).filter((x) => x !== w)].join(' '), customer: one[0].name };
        pick = one;
        break;
      }
    }
  }
  if (pick.length === 1 && pick[0].inPool) return { card: claimFirstCard(d, pick[0], kit.deps.locale), created: null };
  if (pick.length === 1) return create(kit, actor, pick[0].id, d, extra);
  if (pick.length > 1) return { card: chooseCustomerCard(d, pick.map((c) => ({ id: c.id, name: c.name, ownerName: c.ownerName, inPool: c.inPool })), kit.deps.locale), created: null };
  return { card: askCustomerCard(d, kit.deps.locale), created: null };
}

/**
 * Creates the deal a draft describes, once per draft: the ask / choose / claim cards of one message all carry its
 * nonce, so a second pick or submit answers "already done" with the first deal's card instead of a second deal.
 * (The key is claimed in the action's transaction: a refused creation leaves it free for the rep's next try.)
 */
async function create(kit: HandlerKit, actor: Actor, customerId: number, d: OpportunityDraft, extra: { nextStep?: string | null } = {}): Promise<{ card: Card; created: OpportunityDto | null; repeat?: CardActionResult }> {
  const key = `opportunity.draft:${d.nonce}`;
  const userId = actor.kind === 'user' ? actor.userId : null;
  const claim = await claimActionKey(kit.deps.core, kit.t, key, 'opportunity.create', userId);
  if (!claim.first) {
    const repeat = alreadyDone(kit.deps.locale, claim.result);
    return { card: (repeat.card ?? askCustomerCard(d, kit.deps.locale)) as unknown as Card, created: null, repeat };
  }
  const made = await createOnce(kit, actor, customerId, d, extra);
  await saveActionResult(kit.deps.core, kit.t, key, { card: cardOnly(made.card) });
  return made;
}

async function createOnce(kit: HandlerKit, actor: Actor, customerId: number, d: OpportunityDraft, extra: { nextStep?: string | null }): Promise<{ card: Card; created: OpportunityDto }> {
  const o = await createOpportunity(kit.deps.core, actor, 'chat', {
    customerId,
    ...(d.name ? { name: d.name } : {}),
    ...(d.amountCents !== null ? { amountCents: d.amountCents } : {}),
    ...(d.expectedCloseDate ? { expectedCloseDate: d.expectedCloseDate } : {}),
    ...(d.stage ? { stage: d.stage } : {}),
    ...(extra.nextStep ? { nextStep: extra.nextStep } : {}),
  }, kit.t);
  const l = L(kit);
  return { card: await cardOf(kit, o, { heading: l(`✓ 已创建商机：${o.name}`, `✓ Opportunity created: ${o.name}`) }), created: o };
}

const createIntent: ChatHandler = async (cmd, kit) => {
  const o = cmd.intent?.opportunity;
  if (!o || o.kind !== 'create') return;
  const d: OpportunityDraft = { customer: o.customer, name: o.name, amountCents: o.amountCents, expectedCloseDate: o.expectedCloseDate, stage: o.stage, nonce: `opp:${cmd.messageId || randomUUID()}` };
  const r = await resolveAndCreate(kit, actorOf(cmd.user), d);
  await replyCard(kit, r.card, r.created?.id);
};

/** The draft a card carries back (its values are the sender's: each is checked again by the core). */
function draftFrom(raw: Partial<OpportunityDraft>): OpportunityDraft {
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : null);
  return {
    customer: str(raw.customer), name: str(raw.name),
    amountCents: Number.isSafeInteger(raw.amountCents) ? (raw.amountCents as number) : null,
    expectedCloseDate: str(raw.expectedCloseDate), stage: str(raw.stage), nonce: str(raw.nonce) ?? randomUUID(),
  };
}

/** "opportunity.create": a choose-card pick (customerId), the ask-card's customer name, or the create form. */
const createAction: CardActionHandler = async (cmd, kit) => {
  const raw = cmd.value.draft as Partial<OpportunityDraft> | undefined;
  if (!raw || typeof raw !== 'object') return { toast: { type: 'error', content: L(kit)('卡片已失效', 'This card is no longer valid') } };
  const f = cmd.formValue ?? {};
  const text = (v: unknown) => (typeof v === 'string' ? v.trim() : '');
  const d = draftFrom(raw);
  if (text(f.customer)) d.customer = text(f.customer);
  if (text(f.name)) d.name = text(f.name);
  if (text(f.amount)) {
    const a = amountOf(text(f.amount));
    if (a === null) return { toast: { type: 'error', content: L(kit)(`看不懂金额“${text(f.amount)}”`, `Cannot read the amount "${text(f.amount)}"`) } };
    d.amountCents = a;
  }
  if (text(f.expectedCloseDate)) d.expectedCloseDate = text(f.expectedCloseDate).slice(0, 10);
  const actor = actorOf(cmd.user);
  const customerId = text(f.customer) ? null : toDbId(cmd.value.customerId);
  const r = customerId ? await create(kit, actor, customerId, d, { nextStep: text(f.nextStep) || null }) : await resolveAndCreate(kit, actor, d, { nextStep: text(f.nextStep) || null });
  if ('repeat' in r && r.repeat) return r.repeat;
  return r.created
    ? { toast: { type: 'success', content: L(kit)('商机已创建', 'Opportunity created') }, card: cardOnly(r.card) }
    : { card: cardOnly(r.card) };
};

/** "认领并创建商机": the pool claim (race-safe in the core) and the deal, in one transaction. */
const claimCreateAction: CardActionHandler = async (cmd, kit) => {
  const raw = cmd.value.draft as Partial<OpportunityDraft> | undefined;
  if (!raw || typeof raw !== 'object') return { toast: { type: 'error', content: L(kit)('卡片已失效', 'This card is no longer valid') } };
  const actor = actorOf(cmd.user);
  const customerId = idOf(cmd.value.customerId, 'customerId');
  await claimCustomer(kit.deps.core, actor, 'card', customerId, kit.t);
  const r = await create(kit, actor, customerId, draftFrom(raw));
  if (r.repeat) return r.repeat;
  return { toast: { type: 'success', content: L(kit)('已认领客户并创建商机', 'Customer claimed and deal created') }, card: cardOnly(r.card) };
};

const createFormAction: CardActionHandler = async (cmd, kit) => {
  const id = idOf(cmd.value.customerId, 'customerId');
  return { card: cardOnly(createFormCard({ id, name: typeof cmd.value.customerName === 'string' ? cmd.value.customerName : `#${id}` }, `opp.form:${id}:${randomUUID()}`, kit.deps.locale)) };
};

/** "50万", "80000", "¥1.2亿" typed into a card's amount field. */
export function amountOf(text: string): number | null {
  return findAmount(`金额 ${text.normalize('NFKC').trim()}`)?.cents ?? null;
}

// ------------------------------------------------------------------ move a stage

async function moveAnswer(kit: HandlerKit, actor: Actor, input: { opportunityId: number; stage: string; version?: number; lossReason?: LossReason | null; lossNote?: string | null; from: string; openMessageId?: string | null }): Promise<CardActionResult> {
  const l = L(kit);
  const current = await getOpportunity(kit.deps.core, actor, input.opportunityId, kit.t);
  const pipeline = await getPipeline(kit.deps.core, current.pipelineId, kit.t);
  const target = stageIn(pipeline, input.stage, [pipeline], current.stage);
  if (input.stage === NEXT_STAGE && !target) {
    return { toast: { type: 'info', content: l('已是最后一个进行中的阶段；成交请点「赢单」', 'This is the last open stage; mark the deal as won when it closes') }, card: cardOnly(await cardOf(kit, current)) };
  }
  if (target?.category === 'lost' && !input.lossReason) return { card: cardOnly(lossFormCard(current, kit.deps.locale, { from: input.from === 'list' ? 'list' : 'card', note: input.lossNote })) };
  try {
    const r = await moveStage(kit.deps.core, actor, 'card', {
      opportunityId: input.opportunityId, stage: target?.key ?? input.stage,
      ...(input.version ? { expectedVersion: input.version } : {}),
      ...(input.lossReason ? { lossReason: input.lossReason } : {}),
      ...(input.lossNote ? { lossNote: input.lossNote.slice(0, 500) } : {}),
    }, kit.t);
    if (r.changed) await refreshCopies(kit, r.opportunity, input.from === 'chat' ? null : input.openMessageId ?? null);
    const name = stageLabel(pipeline, r.opportunity.stage, r.opportunity.stageName, kit.deps.locale);
    const toast = r.changed ? { type: 'success' as const, content: l(`已移到「${name}」`, `Moved to "${name}"`) } : { type: 'info' as const, content: l(`已在「${name}」阶段`, `Already at "${name}"`) };
    // In chat there is no toast: the answer card says what happened in its title.
    const heading = input.from === 'chat' ? `${r.changed ? '✓ ' : ''}${toast.content}：${r.opportunity.name}` : undefined;
    return { toast, card: cardOnly(input.from === 'list' ? await myPipelineCard(kit, actor) : await cardOf(kit, r.opportunity, { heading })) };
  } catch (e) {
    // A stale card: answer with the deal as it is now, so the rep sees what changed.
    if (isAppError(e) && e.code === 'CONFLICT') {
      const now = await getOpportunity(kit.deps.core, actor, input.opportunityId, kit.t);
      return { toast: { type: 'info', content: l('商机已被更新，已刷新卡片，请再选一次', 'The deal changed meanwhile; the card is refreshed, please pick again') }, card: cardOnly(await cardOf(kit, now)) };
    }
    throw e;
  }
}

const stageAction: CardActionHandler = async (cmd, kit) => {
  const v = cmd.value;
  return moveAnswer(kit, actorOf(cmd.user), {
    opportunityId: idOf(v.opportunityId, 'opportunityId'),
    stage: String(v.stage ?? ''),
    version: Number.isSafeInteger(v.version) ? (v.version as number) : undefined,
    lossReason: lossReasonOf(v.lossReason),
    lossNote: typeof v.lossNote === 'string' ? v.lossNote : null,
    from: v.from === 'list' ? 'list' : 'card',
    openMessageId: cmd.openMessageId,
  });
};

const loseFormAction: CardActionHandler = async (cmd, kit) => {
  const o = await getOpportunity(kit.deps.core, actorOf(cmd.user), idOf(cmd.value.opportunityId, 'opportunityId'), kit.t);
  return { card: cardOnly(lossFormCard(o, kit.deps.locale, { from: cmd.value.from === 'list' ? 'list' : 'card' })) };
};

const loseAction: CardActionHandler = async (cmd, kit) => {
  const reason = lossReasonOf(cmd.formValue?.lossReason);
  if (!reason) return { toast: { type: 'error', content: L(kit)('请选择输单原因', 'Pick the reason the deal was lost') } };
  const note = typeof cmd.formValue?.lossNote === 'string' ? cmd.formValue.lossNote.trim() : '';
  const actor = actorOf(cmd.user);
  const o = await getOpportunity(kit.deps.core, actor, idOf(cmd.value.opportunityId, 'opportunityId'), kit.t);
  const lost = (await getPipeline(kit.deps.core, o.pipelineId, kit.t)).stages.find((s) => s.category === 'lost')!;
  return moveAnswer(kit, actor, { opportunityId: o.id, stage: lost.key, lossReason: reason, lossNote: note || null, from: cmd.value.from === 'list' ? 'list' : 'card', openMessageId: cmd.openMessageId });
};

const viewAction: CardActionHandler = async (cmd, kit) => {
  const o = await getOpportunity(kit.deps.core, actorOf(cmd.user), idOf(cmd.value.opportunityId, 'opportunityId'), kit.t);
  return { card: cardOnly(await cardOf(kit, o)) };
};

const setAmountAction: CardActionHandler = async (cmd, kit) => {
  const raw = typeof cmd.formValue?.amount === 'string' ? cmd.formValue.amount : '';
  const cents = amountOf(raw);
  if (cents === null) return { toast: { type: 'error', content: L(kit)(`看不懂金额“${raw}”`, `Cannot read the amount "${raw}"`) } };
  const o = await updateOpportunity(kit.deps.core, actorOf(cmd.user), 'card', {
    opportunityId: idOf(cmd.value.opportunityId, 'opportunityId'), amountCents: cents,
    ...(Number.isSafeInteger(cmd.value.version) ? { expectedVersion: cmd.value.version as number } : {}),
  }, kit.t);
  return { toast: { type: 'success', content: L(kit)('金额已更新', 'Amount updated') }, card: cardOnly(await cardOf(kit, o)) };
};

const moveIntent: ChatHandler = async (cmd, kit) => {
  const o = cmd.intent?.opportunity;
  if (!o || o.kind !== 'move') return;
  const l = L(kit);
  const actor = actorOf(cmd.user);
  const found = await findOpportunitiesByText(kit.deps.core, actor, o.ref, 6);
  if (!found.length) {
    await kit.reply({ kind: 'text', payload: { text: l(`没有找到进行中的商机“${o.ref}”（只显示你能看到的商机）。`, `No open opportunity matches "${o.ref}" (you see your own deals only).`) } });
    return;
  }
  const pipelines = await listPipelines(kit.deps.core, kit.t);
  if (found.length > 1) {
    const said = pipelines.flatMap((p) => p.stages).find((s) => s.key === o.stage);
    const stageName = o.stage === NEXT_STAGE ? l('下一阶段', 'the next stage') : said ? (kit.deps.locale === 'en' ? said.nameEn : said.name) : o.stage;
    await replyCard(kit, chooseOpportunityCard(o.ref, found.map((x) => ({ id: x.id, name: x.name, customerName: x.customerName, stageName: x.stageName, amountCents: x.amountCents })), { stage: o.stage, stageName, lossReason: o.lossReason, lossNote: o.lossNote }, kit.deps.locale));
    return;
  }
  const deal = found[0];
  const pipeline = pipelines.find((p) => p.id === deal.pipelineId) ?? (await getPipeline(kit.deps.core, deal.pipelineId, kit.t));
  const target = stageIn(pipeline, o.stage, pipelines, deal.stage);
  if (!target && o.stage === NEXT_STAGE) {
    await kit.reply({ kind: 'text', payload: { text: l(`「${deal.name}」已在最后一个进行中的阶段（${deal.stageName}）；成交了请说“${deal.name} 赢单”。`, `"${deal.name}" is at the last open stage (${deal.stageName}); say "${deal.name} won" when it closes.`) } });
    return;
  }
  if (!target) {
    const names = pipeline.stages.map((s) => (kit.deps.locale === 'en' ? s.nameEn : s.name)).join(l('、', ', '));
    await kit.reply({ kind: 'text', payload: { text: l(`「${deal.name}」所在的流程没有这个阶段。可选：${names}`, `"${deal.name}" has no such stage in its pipeline. Stages: ${names}`) } });
    return;
  }
  const reason = lossReasonOf(o.lossReason) ?? (target.category === 'lost' && o.lossNote ? 'other' : null);
  const r = await moveAnswer(kit, actor, { opportunityId: deal.id, stage: target.key, lossReason: reason, lossNote: o.lossNote, from: 'chat' });
  if (r.card) await replyCard(kit, r.card as unknown as Card, deal.id);
  else if (r.toast) await kit.reply({ kind: 'text', payload: { text: r.toast.content } });
};

// ------------------------------------------------------------------ my pipeline, forecast

/** The core scopes the numbers by role (rep: own, manager: team, admin: all); the card's title says which. */
const audienceOf = (actor: Actor): Audience => (actor.kind !== 'user' ? 'company' : actor.role === 'admin' ? 'company' : actor.role === 'manager' ? 'team' : 'mine');

async function myPipelineCard(kit: HandlerKit, actor: Actor): Promise<Card> {
  const pipelines = await listPipelines(kit.deps.core, kit.t);
  const ordered = [...pipelines].sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
  const sections = [];
  for (const p of ordered) sections.push(await openPipelineSummary(kit.deps.core, actor, { pipelineId: p.id, limit: 5 }, kit.t));
  return pipelineCard(sections, kit.deps.locale, { audience: audienceOf(actor) });
}

const listIntent: ChatHandler = async (cmd, kit) => {
  await replyCard(kit, await myPipelineCard(kit, actorOf(cmd.user)));
};

const forecastIntent: ChatHandler = async (cmd, kit) => {
  const o = cmd.intent?.opportunity;
  const period = o?.kind === 'forecast' ? o.period : '本月';
  const actor = actorOf(cmd.user);
  const [forecast, funnel] = await Promise.all([pipelineForecast(kit.deps.core, actor, { period }), pipelineFunnel(kit.deps.core, actor, { period })]);
  await replyCard(kit, forecastCard(forecast, funnel, kit.deps.locale, { audience: audienceOf(actor) }));
};

// ------------------------------------------------------------------ quotes

const quoteCreateAction: CardActionHandler = async (cmd, kit) => {
  const actor = actorOf(cmd.user);
  const q = await createQuote(kit.deps.core, actor, 'card', { opportunityId: idOf(cmd.value.opportunityId, 'opportunityId') }, kit.t);
  const o = await getOpportunity(kit.deps.core, actor, q.opportunityId, kit.t);
  return { toast: { type: 'success', content: L(kit)(`已生成报价单 ${q.number}`, `Quote ${q.number} created`) }, card: cardOnly(await cardOf(kit, o)) };
};

const quoteSendAction: CardActionHandler = async (cmd, kit) => {
  const actor = actorOf(cmd.user);
  const q = await sendQuote(kit.deps.core, actor, 'card', { quoteId: idOf(cmd.value.quoteId, 'quoteId') }, kit.t);
  const o = await getOpportunity(kit.deps.core, actor, q.opportunityId, kit.t);
  return { toast: { type: 'success', content: L(kit)('报价单已标记为已发送，并记入跟进', 'Quote marked as sent and logged as a follow-up') }, card: cardOnly(await cardOf(kit, o)) };
};

const quoteRejectAction: CardActionHandler = async (cmd, kit) => {
  const actor = actorOf(cmd.user);
  const q = await rejectQuote(kit.deps.core, actor, 'card', { quoteId: idOf(cmd.value.quoteId, 'quoteId') }, kit.t);
  const o = await getOpportunity(kit.deps.core, actor, q.opportunityId, kit.t);
  return { toast: { type: 'info', content: L(kit)('已记录：客户拒绝了这一版报价', 'Recorded: the customer declined this version') }, card: cardOnly(await cardOf(kit, o)) };
};

/** The customer accepted: the contract is drafted from the quote and submitted for approval (core/contracts/from-quote.ts). */
const quoteAcceptAction: CardActionHandler = async (cmd, kit) => {
  const actor = actorOf(cmd.user);
  const l = L(kit);
  const r = await acceptQuote(kit.deps.core, actor, 'card', { quoteId: idOf(cmd.value.quoteId, 'quoteId') }, kit.t);
  const o = await getOpportunity(kit.deps.core, actor, r.quote.opportunityId, kit.t);
  const pending = r.contract.status === 'pending_approval';
  const line = l(
    `合同 **${md(r.contract.number)}** 已按报价单 ${md(r.quote.number)} 生成${pending ? '，已提交审批；审批通过后商机自动赢单' : ''}。`,
    `Contract **${md(r.contract.number)}** drafted from quote ${md(r.quote.number)}${pending ? ' and submitted for approval; the deal is won when it is approved' : ''}.`,
  );
  return {
    toast: r.created ? { type: 'success', content: l('已生成合同并提交审批', 'Contract drafted and submitted') } : { type: 'info', content: l('已处理：该报价单已生成合同', 'Already done: this quote has its contract') },
    card: cardOnly(await cardOf(kit, o, { extra: [markdown(line)] })),
  };
};

// ------------------------------------------------------------------ renewal

/** The renewal reminder's one tap: a renewal opportunity (once per contract), shown as its card. */
export async function renewalAnswer(cmd: CardActionCommand, kit: HandlerKit): Promise<CardActionResult> {
  const l = L(kit);
  const r = await createRenewalOpportunity(kit.deps.core, actorOf(cmd.user), 'card', { contractId: idOf(cmd.value.contractId, 'contractId') }, kit.t);
  return {
    toast: r.created ? { type: 'success', content: l('续约商机已创建', 'Renewal opportunity created') } : { type: 'info', content: l('已处理：续约商机已存在', 'Already done: the renewal opportunity exists') },
    card: cardOnly(await cardOf(kit, r.opportunity, { heading: l(`续约商机：${r.opportunity.name}`, `Renewal: ${r.opportunity.name}`) })),
  };
}

async function replyErrors(kit: HandlerKit, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    // A refusal (not found, validation, a pool customer) is an answer in chat, not a failed event.
    if (!isAppError(e)) throw e;
    await kit.reply({ kind: 'text', payload: { text: errorText(e, kit.deps.locale) } });
  }
}
const safe = (h: ChatHandler): ChatHandler => (cmd, kit) => replyErrors(kit, () => h(cmd, kit));


/** The sales pipeline in chat. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.intent('create_opportunity', safe(createIntent));
  r.intent('move_stage', safe(moveIntent));
  r.intent('my_pipeline', safe(listIntent));
  r.intent('forecast', safe(forecastIntent));
  r.action('opportunity.create', createAction);
  r.action('opportunity.create_form', createFormAction);
  r.action('opportunity.claim_create', claimCreateAction);
  r.action('opportunity.stage', stageAction);
  r.action('opportunity.lose_form', loseFormAction);
  r.action('opportunity.lose', loseAction);
  r.action('opportunity.view', viewAction);
  r.action('opportunity.set_amount', setAmountAction);
  r.action('opportunity.renew', renewalAnswer);
  r.action('quote.create', quoteCreateAction);
  r.action('quote.send', quoteSendAction);
  r.action('quote.accept', quoteAcceptAction);
  r.action('quote.reject', quoteRejectAction);
  r.help({ id: 'create_opportunity', title: { 'zh-CN': '新建商机', en: 'Create a deal' }, example: { 'zh-CN': '商机 远航科技 ERP升级 50万 12月底', en: 'new deal: Acme, ERP upgrade, 500k, end of month' } });
  r.help({ id: 'move_stage', title: { 'zh-CN': '推进商机阶段', en: 'Move a deal' }, example: { 'zh-CN': '远航ERP 进入谈判 / 远航那单输了，价格原因', en: 'Acme ERP moved to negotiation / we lost Acme ERP, price' } });
  r.help({ id: 'my_pipeline', title: { 'zh-CN': '我的商机', en: 'My pipeline' }, example: { 'zh-CN': '我的商机', en: 'my pipeline' } });
  r.help({ id: 'forecast', title: { 'zh-CN': '业绩预测', en: 'Forecast' }, example: { 'zh-CN': '本月预测 / 本季度预测', en: 'forecast this month / this quarter' } });
}
