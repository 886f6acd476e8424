/**
 * Approval flows as data. A policy is a list of rules; every rule whose condition matches adds one
 * step, and the steps run in `order`. Pure: the database part (who the approver is) is in chain.ts.
 */
import { z } from 'zod';
import { dbId } from '../shared/fields';
import { discountExceeds } from '../shared/money';

const roleEnum = z.enum(['rep', 'manager', 'service', 'admin']);

const baseApprover = z.discriminatedUnion('kind', [
  /** The submitter's manager (users.manager_id, else their team's manager). */
  z.object({ kind: z.literal('manager') }),
  /** The lowest-id active user with this role (and skill tag, when given). */
  z.object({ kind: z.literal('role'), role: roleEnum, tag: z.string().min(1).max(32).optional() }),
  /** The lowest-id active user carrying this skill tag (e.g. 'finance', 'sales_director'). */
  z.object({ kind: z.literal('tag'), tag: z.string().min(1).max(32) }),
  /** A named user. */
  z.object({ kind: z.literal('user'), userId: dbId }),
]);
export const approverSpec = z.object({ approver: baseApprover, fallback: baseApprover.optional() });
export type ApproverSpec = z.infer<typeof baseApprover>;

/** All fields given must hold; a rule matches when ANY of its conditions holds; no conditions = always. */
const condition = z.object({
  /** amount > this (cents). */
  amountAboveCents: z.number().int().nonnegative().optional(),
  /** overall discount > this (basis points, exact comparison). */
  discountAboveBp: z.number().int().min(0).max(10_000).optional(),
  /** customer tier is one of these. */
  tiers: z.array(z.string().min(1).max(16)).min(1).optional(),
});
export type Condition = z.infer<typeof condition>;

export const policyRule = z.object({
  name: z.string().min(1).max(40),
  label: z.object({ 'zh-CN': z.string().min(1).max(32), en: z.string().min(1).max(32) }),
  order: z.number().int(),
  when: z.array(condition).default([]),
  approver: baseApprover,
  fallback: baseApprover.optional(),
});
export type PolicyRule = z.infer<typeof policyRule>;

export const approvalPolicy = z.object({
  version: z.literal(1),
  /** Shown on the approval card as "discount against policy". */
  discountLimitBp: z.number().int().min(0).max(10_000),
  rules: z.array(policyRule).min(1).max(20),
});
export type ApprovalPolicy = z.infer<typeof approvalPolicy>;

const ADMIN: ApproverSpec = { kind: 'role', role: 'admin' };

/** ≤ ¥100k: team manager; above: manager then finance; discount > 20% or a key (tier A) customer: add the sales director. */
export const DEFAULT_POLICY: ApprovalPolicy = {
  version: 1,
  discountLimitBp: 2000,
  rules: [
    { name: 'manager', label: { 'zh-CN': '团队经理', en: 'Team manager' }, order: 10, when: [], approver: { kind: 'manager' }, fallback: ADMIN },
    {
      name: 'sales_director',
      label: { 'zh-CN': '销售总监', en: 'Sales director' },
      order: 20,
      when: [{ discountAboveBp: 2000 }, { tiers: ['A'] }],
      approver: { kind: 'tag', tag: 'sales_director' },
      fallback: ADMIN,
    },
    {
      name: 'finance',
      label: { 'zh-CN': '财务', en: 'Finance' },
      order: 30,
      when: [{ amountAboveCents: 100_000_00 }],
      approver: { kind: 'tag', tag: 'finance' },
      fallback: ADMIN,
    },
  ],
};

export interface ContractFacts {
  amountCents: number;
  listCents: number;
  tier: string | null;
}

export function conditionHolds(c: Condition, f: ContractFacts): boolean {
  if (c.amountAboveCents !== undefined && !(f.amountCents > c.amountAboveCents)) return false;
  if (c.discountAboveBp !== undefined && !discountExceeds(f.listCents, f.amountCents, c.discountAboveBp)) return false;
  if (c.tiers !== undefined && !(f.tier !== null && c.tiers.includes(f.tier))) return false;
  return true;
}

/** The rules that apply, in chain order. */
export function selectRules(policy: ApprovalPolicy, f: ContractFacts): PolicyRule[] {
  return policy.rules
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => r.when.length === 0 || r.when.some((c) => conditionHolds(c, f)))
    .sort((a, b) => a.r.order - b.r.order || a.i - b.i)
    .map(({ r }) => r);
}

export interface ResolvedStep {
  rule: string;
  label: string;
  approverId: number;
}

/**
 * Drops steps that would make the submitter approve their own contract, and a step whose approver
 * already approves the step just before it (one person never clicks twice in a row).
 */
export function compactChain(steps: ResolvedStep[], submitterId: number): ResolvedStep[] {
  const out: ResolvedStep[] = [];
  for (const s of steps) {
    if (s.approverId === submitterId) continue;
    if (out.length && out[out.length - 1].approverId === s.approverId) continue;
    out.push(s);
  }
  return out;
}
