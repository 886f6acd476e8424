import { z } from 'zod';
import { dateTime, dbId } from '../shared/fields';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { toDate, jsonStrings } from '../db/connection';
import { recordAudit } from '../audit/record';
import { enqueueMessages, type OutboundMessage } from '../notifications/outbox';
import type { RequestStatus, StepStatus } from './model';
import type { ResolvedStep } from './rules';
import { approvalSubject } from './subjects';
import { txSelect, txUpdate } from '../shared/txsql';
import type { ApprovalCardPayload, ApprovalStepView, ApprovalView, DecisionResult } from './schemas';

export type { ApprovalCardPayload, ApprovalStepView, ApprovalView, DecisionResult } from './schemas';

export const APPROVAL_CARD_KIND = 'approval.request';
export const APPROVAL_OUTCOME_KIND = 'approval.outcome';

function userActor(actor: Actor): Extract<Actor, { kind: 'user' }> {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有用户可以审批', en: 'Only users take part in approvals' } });
  return actor;
}

const q = txUpdate;

const stepCardKey = (requestId: number, stepId: number, userId: number) => `approval:${requestId}:s${stepId}:u${userId}`;
const submitterCardKey = (requestId: number) => `approval:${requestId}:submitter`;

/**
 * Where a change was made from one copy of the approval card (a click), the caller answers that copy itself — the
 * card in the click's synchronous answer — so the outbox updates every OTHER copy: one update per copy per change.
 * `stepId`: the step whose copy was clicked (approve, reject, delegate); without it, the viewer's submitter copy or
 * their latest step copy (comment, withdraw).
 */
export interface AnsweredCopy {
  viewerId: number;
  stepId?: number;
}
export interface CardOptions {
  answeredCopy?: AnsweredCopy;
}

function answeredKey(view: ApprovalView, a: AnsweredCopy): string | null {
  const holds = (st: ApprovalStepView) => st.approverId === a.viewerId || st.delegatedFromId === a.viewerId;
  const clicked = a.stepId ? view.steps.find((st) => st.id === a.stepId) : undefined;
  if (clicked && holds(clicked)) return stepCardKey(view.requestId, clicked.id, a.viewerId);
  if (a.viewerId === view.submitter.id) return submitterCardKey(view.requestId);
  const latest = view.steps.filter((st) => st.status !== 'waiting' && holds(st)).at(-1);
  return latest ? stepCardKey(view.requestId, latest.id, a.viewerId) : null;
}

// ---------------------------------------------------------------------------------------------
// Reading

interface RequestRow {
  id: number;
  entity_type: string;
  entity_id: number;
  submitter_id: number;
  status: RequestStatus;
  rules: unknown;
  note: string | null;
  reason: string | null;
  created_at: unknown;
  decided_at: unknown;
}


const iso = (v: unknown) => toDate(v)?.toISOString() ?? null;

/** The full state of one approval request, as cards and APIs show it. */
export async function getApprovalView(ctx: CoreContext, requestId: number, t?: Transaction): Promise<ApprovalView> {
  const run = async (tx: Transaction) => {
    // The request and its steps in one round trip (every request has at least one step).
    const rows = await txSelect<RequestRow & { submitter_name: string } & { s_id: number; seq: number; label: string; approver_id: number; approver_name: string; delegated_from_id: number | null; from_name: string | null; s_status: StepStatus; s_decided_at: unknown; channel: string | null; comment: string | null }>(
      ctx,
      `SELECT r.id, r.entity_type, r.entity_id, r.submitter_id, r.status, r.rules, r.note, r.reason, r.created_at, r.decided_at, u.name AS submitter_name,
              s.id AS s_id, s.seq, s.label, s.approver_id, a.name AS approver_name, s.delegated_from_id, f.name AS from_name, s.status AS s_status,
              s.decided_at AS s_decided_at, s.channel, s.comment
       FROM approval_requests r JOIN users u ON u.id = r.submitter_id
         JOIN approval_steps s ON s.request_id = r.id JOIN users a ON a.id = s.approver_id LEFT JOIN users f ON f.id = s.delegated_from_id
       WHERE r.id = :id ORDER BY s.seq`,
      { id: requestId },
      tx,
    );
    const req = rows[0];
    if (!req) throw new AppError('NOT_FOUND', { field: 'requestId' });
    const steps = rows.map((r) => ({ id: r.s_id, seq: r.seq, label: r.label, approver_id: r.approver_id, approver_name: r.approver_name, delegated_from_id: r.delegated_from_id, from_name: r.from_name, status: r.s_status, decided_at: r.s_decided_at, channel: r.channel, comment: r.comment }));
    const comments = await txSelect<{ actor_id: number | null; name: string | null; data: unknown; created_at: unknown }>(
      ctx,
      `SELECT a.actor_id, u.name, a.data, a.created_at FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
       WHERE a.entity_type = 'approval' AND a.entity_id = :id AND a.action = 'approval.comment' ORDER BY a.id`,
      { id: requestId },
      tx,
    );
    const current = req.status === 'pending' ? steps.find((s) => s.status === 'pending') : undefined;
    const subject = await approvalSubject(ctx, req.entity_type).describe(ctx, tx, req.entity_id);
    const view: ApprovalView = {
      requestId: req.id,
      entityType: req.entity_type,
      entityId: req.entity_id,
      status: req.status,
      submitter: { id: req.submitter_id, name: req.submitter_name },
      note: req.note,
      reason: req.reason,
      rules: jsonStrings(req.rules),
      steps: steps.map((s) => ({
        id: s.id,
        seq: s.seq,
        label: s.label,
        approverId: s.approver_id,
        approverName: s.approver_name,
        delegatedFromId: s.delegated_from_id,
        delegatedFromName: s.from_name,
        status: s.status,
        decidedAt: iso(s.decided_at),
        channel: s.channel,
        comment: s.comment,
      })),
      currentStep: current ? { id: current.id, approverId: current.approver_id } : null,
      comments: comments.map((c) => {
        const data = (typeof c.data === 'string' ? JSON.parse(c.data) : c.data) as { text?: string } | null;
        return { userId: c.actor_id, userName: c.name ?? '', text: String(data?.text ?? ''), at: iso(c.created_at) ?? '' };
      }),
      subject,
      createdAt: iso(req.created_at) ?? '',
      decidedAt: iso(req.decided_at),
    };
    return view;
  };
  return t ? run(t) : ctx.db.tx(run);
}

/** The latest approval request of an entity (e.g. a contract), or null. */
export async function latestRequestId(ctx: CoreContext, entityType: string, entityId: number, t?: Transaction): Promise<number | null> {
  const rows = await txSelect<{ id: number }>(
      ctx,
    'SELECT id FROM approval_requests WHERE entity_type = :et AND entity_id = :eid ORDER BY id DESC LIMIT 1',
    { et: entityType, eid: entityId },
    t,
  );
  return rows[0]?.id ?? null;
}

// ---------------------------------------------------------------------------------------------
// Cards: one per approver (per step) and one for the submitter; every change updates them all in place.

async function activeDelegate(ctx: CoreContext, userId: number, submitterId: number, t: Transaction): Promise<number | null> {
  const rows = await txSelect<{ delegate_id: number }>(
      ctx,
    'SELECT delegate_id FROM approval_delegations WHERE user_id = :u AND until_at > :now',
    { u: userId, now: ctx.clock.now() },
    t,
  );
  const d = rows[0]?.delegate_id ?? null;
  return d && d !== submitterId && d !== userId ? d : null;
}

/** Makes a waiting step the current one, honouring a standing "while I'm away" delegation. */
async function activateStep(ctx: CoreContext, t: Transaction, requestId: number, submitterId: number, stepId: number, approverId: number): Promise<number> {
  const delegate = await activeDelegate(ctx, approverId, submitterId, t);
  const now = ctx.clock.now();
  await q(
    ctx,
    `UPDATE approval_steps SET status = 'pending', approver_id = :a, delegated_from_id = :from, updated_at = :now WHERE id = :id AND status = 'waiting'`,
    { a: delegate ?? approverId, from: delegate ? approverId : null, now, id: stepId },
    t,
  );
  return delegate ?? approverId;
}

async function sendCards(ctx: CoreContext, t: Transaction, view: ApprovalView, opts: { newApprover?: number; newSubmitterCard?: boolean; answeredCopy?: AnsweredCopy }): Promise<void> {
  const msgs: OutboundMessage[] = [];
  const payload = (viewerId: number): ApprovalCardPayload => ({ view, viewerId });
  // Update every copy already sent, in place — except the one the caller answers itself.
  const candidates = new Map<string, number>([[submitterCardKey(view.requestId), view.submitter.id]]);
  for (const s of view.steps) {
    if (s.status === 'waiting') continue;
    candidates.set(stepCardKey(view.requestId, s.id, s.approverId), s.approverId);
    if (s.delegatedFromId) candidates.set(stepCardKey(view.requestId, s.id, s.delegatedFromId), s.delegatedFromId);
  }
  const answered = opts.answeredCopy ? answeredKey(view, opts.answeredCopy) : null;
  if (answered) candidates.delete(answered);
  const existing = candidates.size ? await txSelect<{ dedupe_key: string }>(ctx, 'SELECT dedupe_key FROM outbox WHERE dedupe_key IN (:keys)', { keys: [...candidates.keys()] }, t) : [];
  for (const { dedupe_key } of existing) {
    const userId = candidates.get(dedupe_key)!;
    msgs.push({ to: { userId }, kind: APPROVAL_CARD_KIND, payload: payload(userId), updateOf: dedupe_key });
  }
  if (opts.newSubmitterCard) {
    msgs.push({ to: { userId: view.submitter.id }, kind: APPROVAL_CARD_KIND, payload: payload(view.submitter.id), dedupeKey: submitterCardKey(view.requestId) });
  }
  if (opts.newApprover && view.currentStep) {
    msgs.push({
      to: { userId: opts.newApprover },
      kind: APPROVAL_CARD_KIND,
      payload: payload(opts.newApprover),
      dedupeKey: stepCardKey(view.requestId, view.currentStep.id, opts.newApprover),
    });
  }
  await enqueueMessages(ctx, t, msgs);
}

// ---------------------------------------------------------------------------------------------
// Starting a flow (called by the subject's submit operation, inside its transaction)

export interface StartApprovalInput {
  entityType: string;
  entityId: number;
  submitterId: number;
  steps: ResolvedStep[];
  rules: string[];
  note: string | null;
  channel: Channel;
  actor: Actor;
}

export async function startApproval(ctx: CoreContext, t: Transaction, input: StartApprovalInput): Promise<ApprovalView> {
  const open = await txSelect<{ id: number }>(
      ctx,
    `SELECT id FROM approval_requests WHERE entity_type = :et AND entity_id = :eid AND status = 'pending'`,
    { et: input.entityType, eid: input.entityId },
    t,
  );
  if (open.length) throw new AppError('ALREADY_DONE', { detail: { 'zh-CN': '已在审批中', en: 'Already pending approval' }, data: { requestId: open[0].id } });
  const now = ctx.clock.now();
  const req = await ctx.models.ApprovalRequest.create(
    { entity_type: input.entityType, entity_id: input.entityId, submitter_id: input.submitterId, status: 'pending', rules: input.rules, note: input.note, created_at: now, updated_at: now },
    { transaction: t },
  );
  const requestId = req.get('id');
  const steps = await ctx.models.ApprovalStep.bulkCreate(
    input.steps.map((s, i) => ({ request_id: requestId, seq: i + 1, label: s.label, approver_id: s.approverId, status: 'waiting' as const, created_at: now, updated_at: now })),
    { transaction: t },
  );
  const firstId = steps[0].get('id') ?? (await txSelect<{ id: number }>(ctx, 'SELECT id FROM approval_steps WHERE request_id = :r AND seq = 1', { r: requestId }, t))[0].id;
  const approver = await activateStep(ctx, t, requestId, input.submitterId, firstId, input.steps[0].approverId);
  await recordAudit(ctx, t, { actor: input.actor, action: 'approval.submit', entityType: 'approval', entityId: requestId, channel: input.channel, data: { entityType: input.entityType, entityId: input.entityId, rules: input.rules, note: input.note } });
  const view = await getApprovalView(ctx, requestId, t);
  await sendCards(ctx, t, view, { newApprover: approver, newSubmitterCard: true });
  return view;
}

// ---------------------------------------------------------------------------------------------
// Decisions

export const decideInput = z.object({
  stepId: dbId,
  decision: z.enum(['approve', 'reject']),
  comment: z.string().trim().max(1000).optional().nullable(),
});
export type DecideInput = z.input<typeof decideInput>;

interface StepRow {
  id: number;
  request_id: number;
  seq: number;
  approver_id: number;
  status: StepStatus;
  decided_by: number | null;
  r_status: RequestStatus;
  submitter_id: number;
  entity_type: string;
  entity_id: number;
  /** The next waiting step, read with it (only the decider of this step changes it, under the request lock). */
  next_id: number | null;
  next_approver_id: number | null;
}

async function loadStep(ctx: CoreContext, stepId: number, t: Transaction): Promise<StepRow> {
  const row = (await txSelect<StepRow>(
      ctx,
    `SELECT s.id, s.request_id, s.seq, s.approver_id, s.status, s.decided_by, r.status AS r_status, r.submitter_id, r.entity_type, r.entity_id,
       (SELECT n.id FROM approval_steps n WHERE n.request_id = s.request_id AND n.seq > s.seq AND n.status = 'waiting' ORDER BY n.seq LIMIT 1) AS next_id,
       (SELECT n.approver_id FROM approval_steps n WHERE n.request_id = s.request_id AND n.seq > s.seq AND n.status = 'waiting' ORDER BY n.seq LIMIT 1) AS next_approver_id
     FROM approval_steps s JOIN approval_requests r ON r.id = s.request_id WHERE s.id = :id`,
    { id: stepId },
    t,
  ))[0];
  if (!row) throw new AppError('NOT_FOUND', { field: 'stepId', detail: { 'zh-CN': '找不到该审批', en: 'No such approval step' } });
  return row;
}

/** The clear answer for a decision that arrives too late. */
function tooLate(status: RequestStatus | StepStatus, requestId: number): AppError {
  if (status === 'waiting') {
    return new AppError('INVALID_STATE', { detail: { 'zh-CN': '还没轮到您审批：前一步尚未通过', en: 'Not your turn yet: the previous step is still pending' }, data: { requestId, status } });
  }
  if (status === 'withdrawn') {
    return new AppError('INVALID_STATE', { detail: { 'zh-CN': '提交人已撤回该申请', en: 'The submitter has withdrawn this request' }, data: { requestId, status } });
  }
  const zh = status === 'approved' ? '已通过' : status === 'rejected' ? '已驳回' : '已处理';
  const en = status === 'approved' ? 'approved' : status === 'rejected' ? 'rejected' : 'handled';
  return new AppError('ALREADY_DONE', { detail: { 'zh-CN': `已处理：该审批${zh}`, en: `Already done: this approval was ${en}` }, data: { requestId, status } });
}

/**
 * Serialises every decision on one request: FOR UPDATE on MySQL (a touch-UPDATE would report 0 rows
 * when nothing changes); on SQLite the IMMEDIATE write transaction already excludes other writers.
 */
async function lockRequest(ctx: CoreContext, requestId: number, t: Transaction): Promise<RequestStatus> {
  const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
  const r = await txSelect<{ status: RequestStatus }>(ctx, `SELECT status FROM approval_requests WHERE id = :id${lock}`, { id: requestId }, t);
  if (!r.length) throw new AppError('NOT_FOUND', { field: 'requestId' });
  return r[0].status;
}

/**
 * Approve or reject the step. Race-safe: the request row is locked first (so all decisions on one
 * request serialise), then the step moves pending → decided with a conditional
 * UPDATE; 0 rows means someone (or an earlier click) decided first.
 */
export async function decideStep(ctx: CoreContext, actor: Actor, channel: Channel, raw: DecideInput, parent?: Transaction, cards: CardOptions = {}): Promise<DecisionResult> {
  const input = parseInput(decideInput, raw);
  const user = userActor(actor);
  const comment = input.comment?.trim() || null;
  if (input.decision === 'reject' && !comment) {
    throw new AppError('VALIDATION', { field: 'comment', detail: { 'zh-CN': '驳回时请填写原因', en: 'A rejection needs a reason' } });
  }
  return ctx.db.tx(async (t) => {
    const step = await loadStep(ctx, input.stepId, t);
    const now = ctx.clock.now();
    if (step.approver_id !== user.userId) {
      if (step.decided_by === user.userId) throw tooLate(step.status, step.request_id);
      throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '您不是这一步的审批人', en: 'You are not the approver of this step' } });
    }
    const rStatus = await lockRequest(ctx, step.request_id, t);
    if (rStatus !== 'pending') throw tooLate(rStatus, step.request_id);
    const status = input.decision === 'approve' ? 'approved' : 'rejected';
    const won = await q(
      ctx,
      `UPDATE approval_steps SET status = :status, decided_by = :u, decided_at = :now, channel = :channel, comment = :comment, updated_at = :now
       WHERE id = :id AND status = 'pending' AND approver_id = :u`,
      { status, u: user.userId, now, channel, comment, id: step.id },
      t,
    );
    if (!won) {
      const s = await txSelect<{ status: StepStatus }>(ctx, 'SELECT status FROM approval_steps WHERE id = :id', { id: step.id }, t);
      throw tooLate(s[0].status, step.request_id);
    }
    await recordAudit(ctx, t, {
      actor,
      action: input.decision === 'approve' ? 'approval.approve' : 'approval.reject',
      entityType: 'approval',
      entityId: step.request_id,
      channel,
      data: { stepId: step.id, seq: step.seq, comment, entityType: step.entity_type, entityId: step.entity_id },
    });
    const subject = approvalSubject(ctx, step.entity_type);
    let finished = true;
    let newApprover: number | undefined;
    if (input.decision === 'approve') {
      if (step.next_id && step.next_approver_id) {
        finished = false;
        newApprover = await activateStep(ctx, t, step.request_id, step.submitter_id, Number(step.next_id), Number(step.next_approver_id));
      } else {
        await q(ctx, `UPDATE approval_requests SET status = 'approved', decided_at = :now, updated_at = :now WHERE id = :id`, { now, id: step.request_id }, t);
        await subject.onApproved(ctx, t, step.entity_id, actor);
      }
    } else {
      await q(ctx, `UPDATE approval_requests SET status = 'rejected', reason = :reason, decided_at = :now, updated_at = :now WHERE id = :id`, { reason: comment, now, id: step.request_id }, t);
      await q(ctx, `UPDATE approval_steps SET status = 'skipped', updated_at = :now WHERE request_id = :r AND status = 'waiting'`, { now, r: step.request_id }, t);
      await subject.onRejected(ctx, t, step.entity_id, comment!);
    }
    const view = await getApprovalView(ctx, step.request_id, t);
    await sendCards(ctx, t, view, { newApprover, answeredCopy: cards.answeredCopy });
    if (finished) {
      await enqueueMessages(ctx, t, [
        {
          to: { userId: step.submitter_id },
          kind: APPROVAL_OUTCOME_KIND,
          payload: { requestId: view.requestId, status: view.status, decidedBy: user.userId, decidedByName: view.steps.find((s) => s.id === step.id)?.approverName ?? '', reason: view.reason, subject: view.subject },
          // No dedupeKey: the request leaves 'pending' once (conditional, under its lock), so this is written once.
        },
      ]);
    }
    return { view, finished };
  }, parent);
}

// ---------------------------------------------------------------------------------------------
// Withdraw, delegate, comment

export const withdrawInput = z.object({ requestId: dbId, reason: z.string().trim().max(500).optional().nullable() });

/** The submitter takes a pending request back; the subject returns to draft. */
export async function withdrawApproval(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof withdrawInput>, parent?: Transaction, cards: CardOptions = {}): Promise<ApprovalView> {
  const input = parseInput(withdrawInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const req = (await txSelect<{ id: number; submitter_id: number; status: RequestStatus; entity_type: string; entity_id: number }>(
      ctx,
      'SELECT id, submitter_id, status, entity_type, entity_id FROM approval_requests WHERE id = :id',
      { id: input.requestId },
      t,
    ))[0];
    if (!req) throw new AppError('NOT_FOUND', { field: 'requestId' });
    if (req.submitter_id !== user.userId) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有提交人可以撤回', en: 'Only the submitter can withdraw' } });
    const now = ctx.clock.now();
    const n = await q(ctx, `UPDATE approval_requests SET status = 'withdrawn', reason = :reason, decided_at = :now, updated_at = :now WHERE id = :id AND status = 'pending'`, { reason: input.reason ?? null, now, id: req.id }, t);
    if (!n) {
      const r = await txSelect<{ status: RequestStatus }>(ctx, 'SELECT status FROM approval_requests WHERE id = :id', { id: req.id }, t);
      throw tooLate(r[0].status, req.id);
    }
    await q(ctx, `UPDATE approval_steps SET status = 'withdrawn', updated_at = :now WHERE request_id = :r AND status IN ('pending', 'waiting')`, { now, r: req.id }, t);
    await approvalSubject(ctx, req.entity_type).onWithdrawn(ctx, t, req.entity_id);
    await recordAudit(ctx, t, { actor, action: 'approval.withdraw', entityType: 'approval', entityId: req.id, channel, data: { reason: input.reason ?? null } });
    const view = await getApprovalView(ctx, req.id, t);
    await sendCards(ctx, t, view, { answeredCopy: cards.answeredCopy });
    return view;
  }, parent);
}

export const delegateInput = z.object({ stepId: dbId, toUserId: dbId, comment: z.string().trim().max(500).optional().nullable() });

/** The current approver hands their pending step to someone else (e.g. while away). */
export async function delegateStep(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof delegateInput>, parent?: Transaction, cards: CardOptions = {}): Promise<ApprovalView> {
  const input = parseInput(delegateInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const step = await loadStep(ctx, input.stepId, t);
    if (step.approver_id !== user.userId) throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '您不是这一步的审批人', en: 'You are not the approver of this step' } });
    if (input.toUserId === user.userId || input.toUserId === step.submitter_id) {
      throw new AppError('VALIDATION', { field: 'toUserId', detail: { 'zh-CN': '不能转给自己或提交人', en: 'Cannot delegate to yourself or the submitter' } });
    }
    const to = await txSelect<{ id: number }>(ctx, 'SELECT id FROM users WHERE id = :id', { id: input.toUserId }, t);
    if (!to.length) throw new AppError('NOT_FOUND', { field: 'toUserId' });
    const now = ctx.clock.now();
    const rStatus = await lockRequest(ctx, step.request_id, t);
    if (rStatus !== 'pending') throw tooLate(rStatus, step.request_id);
    const n = await q(
      ctx,
      `UPDATE approval_steps SET approver_id = :to, delegated_from_id = :from, updated_at = :now WHERE id = :id AND status = 'pending' AND approver_id = :from`,
      { to: input.toUserId, from: user.userId, now, id: step.id },
      t,
    );
    if (!n) throw tooLate('approved', step.request_id);
    await recordAudit(ctx, t, { actor, action: 'approval.delegate', entityType: 'approval', entityId: step.request_id, channel, data: { stepId: step.id, to: input.toUserId, comment: input.comment ?? null } });
    const view = await getApprovalView(ctx, step.request_id, t);
    await sendCards(ctx, t, view, { newApprover: input.toUserId, answeredCopy: cards.answeredCopy });
    return view;
  }, parent);
}

export const standingDelegationInput = z.object({ delegateId: dbId.nullable(), until: dateTime.optional() });

/** "While I'm away": steps that reach `actor` until `until` go to the delegate instead. null clears it. */
export async function setApprovalDelegate(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof standingDelegationInput>): Promise<void> {
  const input = parseInput(standingDelegationInput, raw);
  const user = userActor(actor);
  await ctx.db.tx(async (t) => {
    await ctx.db.sequelize.query('DELETE FROM approval_delegations WHERE user_id = :u', { replacements: { u: user.userId }, transaction: t, type: QueryTypes.DELETE });
    if (input.delegateId !== null) {
      if (input.delegateId === user.userId) throw new AppError('VALIDATION', { field: 'delegateId', detail: { 'zh-CN': '不能委托给自己', en: 'Cannot delegate to yourself' } });
      if (!(await txSelect(ctx, 'SELECT id FROM users WHERE id = :id', { id: input.delegateId }, t)).length) throw new AppError('NOT_FOUND', { field: 'delegateId' });
      const now = ctx.clock.now();
      const until = input.until ?? new Date(now.getTime() + 7 * 86_400_000);
      await ctx.db.sequelize.query('INSERT INTO approval_delegations (user_id, delegate_id, until_at, created_at, updated_at) VALUES (:u, :d, :until, :now, :now)', {
        replacements: { u: user.userId, d: input.delegateId, until, now },
        transaction: t,
        type: QueryTypes.INSERT,
      });
    }
    await recordAudit(ctx, t, { actor, action: 'approval.delegation.set', entityType: 'user', entityId: user.userId, channel, data: { delegateId: input.delegateId, until: input.until ?? null } });
  });
}

export const commentInput = z.object({ requestId: dbId, text: z.string().trim().min(1).max(1000) });

/** A remark on the request by a participant (submitter, any approver) or an admin; shown on every card. */
export async function commentApproval(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof commentInput>, parent?: Transaction, cards: CardOptions = {}): Promise<ApprovalView> {
  const input = parseInput(commentInput, raw);
  const user = userActor(actor);
  return ctx.db.tx(async (t) => {
    const req = (await txSelect<{ submitter_id: number }>(ctx, 'SELECT submitter_id FROM approval_requests WHERE id = :id', { id: input.requestId }, t))[0];
    if (!req) throw new AppError('NOT_FOUND', { field: 'requestId' });
    const participants = await txSelect<{ n: number }>(
      ctx,
      'SELECT COUNT(*) AS n FROM approval_steps WHERE request_id = :r AND (approver_id = :u OR delegated_from_id = :u)',
      { r: input.requestId, u: user.userId },
      t,
    );
    if (req.submitter_id !== user.userId && user.role !== 'admin' && !Number(participants[0].n)) {
      throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有提交人和审批人可以评论', en: 'Only the submitter and approvers can comment' } });
    }
    await recordAudit(ctx, t, { actor, action: 'approval.comment', entityType: 'approval', entityId: input.requestId, channel, data: { text: input.text } });
    const view = await getApprovalView(ctx, input.requestId, t);
    await sendCards(ctx, t, view, { answeredCopy: cards.answeredCopy });
    return view;
  }, parent);
}

/** Pending steps waiting for this user (their approval inbox). */
export async function myPendingApprovals(ctx: CoreContext, actor: Actor): Promise<{ stepId: number; requestId: number; entityType: string; entityId: number }[]> {
  const user = userActor(actor);
  const rows = await txSelect<{ id: number; request_id: number; entity_type: string; entity_id: number }>(
      ctx,
    `SELECT s.id, s.request_id, r.entity_type, r.entity_id FROM approval_steps s JOIN approval_requests r ON r.id = s.request_id
     WHERE s.approver_id = :u AND s.status = 'pending' ORDER BY s.id`,
    { u: user.userId },
  );
  return rows.map((r) => ({ stepId: r.id, requestId: r.request_id, entityType: r.entity_type, entityId: r.entity_id }));
}
