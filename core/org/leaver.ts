import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { recordAudit } from '../audit/record';
import { managerFor } from '../users/directory';
import { assignCustomer, releaseCustomer } from '../pool/operations';
import { delegateStep } from '../approvals/operations';
import { AppError } from '../errors';
import type { Role } from '../context';
import type { OrgSettings } from './schemas';

const SYSTEM: Actor = { kind: 'system' };

export interface HandOver {
  customersToManager: number;
  customersToPool: number;
  tasks: number;
  approvalSteps: number;
}

/**
 * Who takes over from a leaver: their manager while still active, else the active leader of their team, else the
 * first active manager or admin (managerFor). Null only in a CRM without any.
 */
async function successorOf(ctx: CoreContext, t: Transaction, leaver: { id: number; team_id: number | null; manager_id: number | null }): Promise<number | null> {
  const rows = await ctx.db.select<{ id: number }>(
    `SELECT u.id FROM users u WHERE u.status <> 'inactive' AND u.id <> :me AND (u.id = :mgr OR u.id = (SELECT manager_id FROM teams WHERE id = :team))
     ORDER BY CASE WHEN u.id = :mgr THEN 0 ELSE 1 END LIMIT 1`,
    { me: leaver.id, mgr: leaver.manager_id ?? -1, team: leaver.team_id ?? -1 },
    t,
  );
  if (rows.length) return Number(rows[0].id);
  const fallback = await managerFor(ctx, t, null);
  return fallback === leaver.id ? null : fallback;
}

async function ownedCustomers(ctx: CoreContext, t: Transaction, userId: number): Promise<number[]> {
  return (await ctx.db.select<{ id: number }>("SELECT id FROM customers WHERE owner_id = :u AND status = 'active' ORDER BY id", { u: userId }, t)).map((r) => Number(r.id));
}

/** What handOver would move (the dry run's figures). */
export async function handOverCounts(ctx: CoreContext, t: Transaction, userId: number, settings: OrgSettings): Promise<HandOver> {
  const customers = (await ownedCustomers(ctx, t, userId)).length;
  const [tasks] = await ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM tasks WHERE owner_id = :u AND status = 'open'", { u: userId }, t);
  const [steps] = await ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM approval_steps WHERE approver_id = :u AND status IN ('pending', 'waiting')", { u: userId }, t);
  return {
    customersToManager: settings.leaverCustomers === 'manager' ? customers : 0,
    customersToPool: settings.leaverCustomers === 'pool' ? customers : 0,
    tasks: Number(tasks?.n ?? 0),
    approvalSteps: Number(steps?.n ?? 0),
  };
}

/**
 * A leaver's work goes on without them: their customers by the rule in settings (to the successor, or back to the
 * pool — through the pool's own audited operations), their open tasks, assigned leads and pending or waiting
 * approval steps to the successor (an approval step never waits on someone who left). Runs in the sync's transaction.
 */
export async function handOver(ctx: CoreContext, t: Transaction, leaver: { id: number; name: string; role: string; team_id: number | null; manager_id: number | null }, settings: OrgSettings, channel: Channel): Promise<HandOver> {
  const out: HandOver = { customersToManager: 0, customersToPool: 0, tasks: 0, approvalSteps: 0 };
  const successor = await successorOf(ctx, t, leaver);
  const toManager = settings.leaverCustomers === 'manager' && successor !== null;
  for (const id of await ownedCustomers(ctx, t, leaver.id)) {
    if (toManager) {
      await assignCustomer(ctx, SYSTEM, channel, { customerId: id, userId: successor! }, t);
      out.customersToManager++;
    } else {
      await releaseCustomer(ctx, SYSTEM, channel, id, 'owner left the company', t);
      out.customersToPool++;
    }
  }
  const now = ctx.clock.now();
  if (successor !== null) {
    const [, tasks] = await ctx.db.sequelize.query("UPDATE tasks SET owner_id = :to, updated_at = :now WHERE owner_id = :u AND status = 'open'", {
      replacements: { to: successor, now, u: leaver.id },
      type: QueryTypes.UPDATE,
      transaction: t,
    });
    out.tasks = Number(tasks);
    // A pending step is delegated through the approval engine (the successor gets the approval card; the request's
    // cards are updated); where the engine refuses (e.g. the successor submitted it), and for steps still waiting
    // their turn, the approver is replaced directly.
    const leaverActor = { kind: 'user' as const, userId: leaver.id, role: leaver.role as Role, teamId: leaver.team_id };
    const steps = await ctx.db.select<{ id: number; status: string }>("SELECT id, status FROM approval_steps WHERE approver_id = :u AND status IN ('pending', 'waiting') ORDER BY id", { u: leaver.id }, t);
    for (const step of steps) {
      if (step.status === 'pending') {
        try {
          await delegateStep(ctx, leaverActor, channel, { stepId: Number(step.id), toUserId: successor, comment: `${leaver.name} left the company (org sync)` }, t);
          out.approvalSteps++;
          continue;
        } catch (e) {
          if (!(e instanceof AppError)) throw e;
        }
      }
      const [, n] = await ctx.db.sequelize.query('UPDATE approval_steps SET approver_id = :to, delegated_from_id = :u, updated_at = :now WHERE id = :id AND approver_id = :u', {
        replacements: { to: successor, now, u: leaver.id, id: step.id },
        type: QueryTypes.UPDATE,
        transaction: t,
      });
      out.approvalSteps += Number(n);
    }
    await ctx.db.sequelize.query("UPDATE leads SET owner_id = :to, updated_at = :now WHERE owner_id = :u AND status = 'assigned'", {
      replacements: { to: successor, now, u: leaver.id },
      type: QueryTypes.UPDATE,
      transaction: t,
    });
  }
  await recordAudit(ctx, t, { actor: SYSTEM, action: 'user.deactivate', entityType: 'user', entityId: leaver.id, channel, data: { reason: 'left the directory', successor, ...out } });
  return out;
}
