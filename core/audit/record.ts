import type { Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { txExec } from '../shared/txsql';

export interface AuditInput {
  actor: Actor;
  action: string;
  entityType: string;
  entityId: number | null;
  channel: Channel;
  data?: Record<string, unknown>;
}

function actorColumns(actor: Actor): { actor_type: 'user' | 'system' | 'api' | 'customer'; actor_id: number | null } {
  switch (actor.kind) {
    case 'user':
      return { actor_type: 'user', actor_id: actor.userId };
    case 'api':
      return { actor_type: 'api', actor_id: actor.keyId };
    case 'customer':
      return { actor_type: 'customer', actor_id: actor.contactId };
    case 'system':
      return { actor_type: 'system', actor_id: null };
  }
}

/**
 * Writes one audit entry inside the caller's transaction, so the change and its record land together. One plain
 * INSERT (on MySQL straight on the transaction's connection): every write path records one, and the model's
 * create (validation, hooks, a prepared statement) cost several times the statement itself.
 */
export async function recordAudit(ctx: CoreContext, t: Transaction, input: AuditInput): Promise<void> {
  const { actor_type, actor_id } = actorColumns(input.actor);
  await txExec(
    ctx,
    'INSERT INTO audit_log (actor_type, actor_id, action, entity_type, entity_id, channel, data, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    [actor_type, actor_id, input.action, input.entityType, input.entityId, input.channel, input.data === undefined || input.data === null ? null : JSON.stringify(input.data), ctx.clock.now()],
    t,
  );
}

/** Set-based variant for jobs touching many rows at once. */
export async function recordAuditMany(ctx: CoreContext, t: Transaction, inputs: AuditInput[]): Promise<void> {
  if (inputs.length === 0) return;
  const now = ctx.clock.now();
  await ctx.models.AuditEntry.bulkCreate(
    inputs.map((i) => ({
      ...actorColumns(i.actor),
      action: i.action,
      entity_type: i.entityType,
      entity_id: i.entityId,
      channel: i.channel,
      data: i.data ?? null,
      created_at: now,
    })),
    { transaction: t },
  );
}
