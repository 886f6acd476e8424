import type { Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';

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

/** Writes one audit entry inside the caller's transaction, so the change and its record land together. */
export async function recordAudit(ctx: CoreContext, t: Transaction, input: AuditInput): Promise<void> {
  await ctx.models.AuditEntry.create(
    {
      ...actorColumns(input.actor),
      action: input.action,
      entity_type: input.entityType,
      entity_id: input.entityId,
      channel: input.channel,
      data: input.data ?? null,
      created_at: ctx.clock.now(),
    },
    { transaction: t },
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
