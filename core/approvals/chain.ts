import type { Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { approvalPolicy, compactChain, DEFAULT_POLICY, selectRules, type ApprovalPolicy, type ApproverSpec, type ContractFacts, type ResolvedStep } from './rules';
import { jsonStrings } from '../db/connection';
import { readSetting, writeSetting } from '../db/settings';
import { bumpCacheVersion, versionedCache } from '../db/cache-versions';

const POLICY_KEY = 'approval.policy';

/**
 * The policy in force: the JSON stored in settings, else the built-in default. Read on every submission and card,
 * so cached per process under the `approval.policy` cache version (core/db/cache-versions.ts): another process
 * sees a change within a second, this one at once.
 */
const policyCache = versionedCache<ApprovalPolicy>(POLICY_KEY);

async function loadPolicy(ctx: CoreContext, t?: Transaction): Promise<ApprovalPolicy> {
  const stored = await readSetting(ctx.db, POLICY_KEY, t);
  return stored !== null ? approvalPolicy.parse(JSON.parse(stored)) : DEFAULT_POLICY;
}

export async function getApprovalPolicy(ctx: CoreContext, t?: Transaction): Promise<ApprovalPolicy> {
  return policyCache.get(ctx.db, '', () => loadPolicy(ctx, t), t);
}

/** Replaces the policy (admins only); validated so a bad rules file never reaches a submission. */
export async function setApprovalPolicy(ctx: CoreContext, actor: Actor, raw: unknown): Promise<ApprovalPolicy> {
  if (actor.kind !== 'system' && !(actor.kind === 'user' && actor.role === 'admin')) throw new AppError('FORBIDDEN');
  const policy = parseInput(approvalPolicy, raw);
  await ctx.db.tx(async (t) => {
    await writeSetting(ctx.db, t, POLICY_KEY, policy, ctx.clock.now());
    await bumpCacheVersion(ctx.db, t, POLICY_KEY);
    await recordAudit(ctx, t, { actor, action: 'approval.policy.set', entityType: 'setting', entityId: null, channel: actor.kind === 'system' ? 'cli' : 'api', data: { rules: policy.rules.map((r) => r.name) } });
  });
  policyCache.forget(ctx.db);
  return policy;
}

interface UserRow {
  id: number;
  role: string;
  team_id: number | null;
  manager_id: number | null;
  skills: unknown;
}


async function resolveOne(ctx: CoreContext, spec: ApproverSpec, submitter: UserRow, t: Transaction): Promise<number | null> {
  switch (spec.kind) {
    case 'manager': {
      if (submitter.manager_id) return submitter.manager_id;
      if (!submitter.team_id) return null;
      const rows = await ctx.db.select<{ manager_id: number | null }>('SELECT manager_id FROM teams WHERE id = :id', { id: submitter.team_id }, t);
      return rows[0]?.manager_id ?? null;
    }
    case 'user': {
      const rows = await ctx.db.select<{ id: number }>('SELECT id FROM users WHERE id = :id', { id: spec.userId }, t);
      return rows[0]?.id ?? null;
    }
    case 'role':
    case 'tag': {
      const users = await ctx.db.select<UserRow>(
        spec.kind === 'role' ? 'SELECT id, role, team_id, manager_id, skills FROM users WHERE role = :role ORDER BY id' : 'SELECT id, role, team_id, manager_id, skills FROM users ORDER BY id',
        spec.kind === 'role' ? { role: spec.role } : {},
        t,
      );
      const tag = spec.tag;
      const hit = users.find((u) => u.id !== submitter.id && (!tag || jsonStrings(u.skills).includes(tag)));
      return hit?.id ?? null;
    }
  }
}

/** Resolves the applicable rules to people. Throws INVALID_STATE when no one can approve. */
export async function resolveChain(ctx: CoreContext, submitterId: number, facts: ContractFacts, t: Transaction): Promise<{ steps: ResolvedStep[]; rules: string[] }> {
  const policy = await getApprovalPolicy(ctx, t);
  const sub = (await ctx.db.select<UserRow>('SELECT id, role, team_id, manager_id, skills FROM users WHERE id = :id', { id: submitterId }, t))[0];
  if (!sub) throw new AppError('NOT_FOUND', { field: 'submitterId' });
  const rules = selectRules(policy, facts);
  const steps: ResolvedStep[] = [];
  for (const r of rules) {
    let id = await resolveOne(ctx, r.approver, sub, t);
    if ((id === null || id === submitterId) && r.fallback) id = await resolveOne(ctx, r.fallback, sub, t);
    if (id === null || id === submitterId) continue;
    steps.push({ rule: r.name, label: r.label[ctx.locale], approverId: id });
  }
  const chain = compactChain(steps, submitterId);
  if (!chain.length) {
    throw new AppError('INVALID_STATE', { detail: { 'zh-CN': '找不到可以审批的人，请联系管理员配置审批人', en: 'No approver could be found; ask an admin to configure approvers' } });
  }
  return { steps: chain, rules: rules.map((r) => r.name) };
}
