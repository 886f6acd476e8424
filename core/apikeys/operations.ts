import { createHash, randomBytes } from 'node:crypto';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { dbId } from '../shared/fields';
import type { Actor, Channel, CoreContext, Role } from '../context';
import { AppError } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { bumpCacheVersion } from '../db/cache-versions';

/** The cache version every process's key cache (server/api/auth.ts) watches: a revocation applies within a second. */
export const API_KEYS_CACHE = 'apikeys';

/**
 * API keys for /api/v1. The key is shown once at creation; only its SHA-256 is stored. A key bound to a
 * user acts as that user (same visibility and rules); an unbound key is an integration with full access.
 */
export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

export interface ApiKeyCreated {
  id: number;
  name: string;
  userId: number | null;
  prefix: string;
  /** The secret itself: printed once, never stored. */
  key: string;
}

export const createApiKeyInput = z.object({
  name: z.string().trim().min(1).max(100),
  userId: dbId.optional().nullable(),
});

export async function createApiKey(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof createApiKeyInput>): Promise<ApiKeyCreated> {
  const input = parseInput(createApiKeyInput, raw);
  if (!(actor.kind === 'system' || (actor.kind === 'user' && actor.role === 'admin'))) throw new AppError('FORBIDDEN');
  const key = `crm_${randomBytes(24).toString('base64url')}`;
  const prefix = key.slice(0, 10);
  return ctx.db.tx(async (t) => {
    if (input.userId) {
      const u = await ctx.db.select('SELECT id FROM users WHERE id = :id', { id: input.userId }, t);
      if (!u.length) throw new AppError('VALIDATION', { field: 'userId', detail: { 'zh-CN': '用户不存在', en: 'No such user' } });
    }
    const now = ctx.clock.now();
    await ctx.db.sequelize.query('INSERT INTO api_keys (name, prefix, key_hash, user_id, created_at) VALUES (:name, :prefix, :hash, :uid, :now)', {
      replacements: { name: input.name, prefix, hash: hashApiKey(key), uid: input.userId ?? null, now },
      transaction: t,
      type: QueryTypes.INSERT,
    });
    const row = await ctx.db.select<{ id: number }>('SELECT id FROM api_keys WHERE key_hash = :h', { h: hashApiKey(key) }, t);
    const id = Number(row[0].id);
    await recordAudit(ctx, t, { actor, action: 'apikey.create', entityType: 'api_key', entityId: id, channel, data: { name: input.name, userId: input.userId ?? null, prefix } });
    return { id, name: input.name, userId: input.userId ?? null, prefix, key };
  });
}

export async function revokeApiKey(ctx: CoreContext, actor: Actor, channel: Channel, id: number): Promise<void> {
  if (!(actor.kind === 'system' || (actor.kind === 'user' && actor.role === 'admin'))) throw new AppError('FORBIDDEN');
  await ctx.db.tx(async (t) => {
    const [, n] = await ctx.db.sequelize.query('UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL', {
      replacements: { id, now: ctx.clock.now() },
      transaction: t,
      type: QueryTypes.UPDATE,
    });
    if (!Number(n)) throw new AppError('NOT_FOUND', { field: 'id' });
    await bumpCacheVersion(ctx.db, t, API_KEYS_CACHE);
    await recordAudit(ctx, t, { actor, action: 'apikey.revoke', entityType: 'api_key', entityId: id, channel });
  });
}

/** The actor behind a presented key, or null when unknown/revoked (or its user is gone). */
export async function authenticateApiKey(ctx: CoreContext, key: string): Promise<Actor | null> {
  if (!key || key.length > 200) return null;
  const rows = await ctx.db.select<{ id: number; user_id: number | null; revoked_at: unknown; role: Role | null; team_id: number | null; uid: number | null }>(
    `SELECT k.id, k.user_id, k.revoked_at, u.role, u.team_id, u.id AS uid FROM api_keys k LEFT JOIN users u ON u.id = k.user_id WHERE k.key_hash = :h`,
    { h: hashApiKey(key) },
  );
  const r = rows[0];
  if (!r || r.revoked_at) return null;
  if (r.user_id === null) return { kind: 'api', keyId: Number(r.id) };
  if (r.uid === null || !r.role) return null;
  return { kind: 'user', userId: Number(r.user_id), role: r.role, teamId: r.team_id === null ? null : Number(r.team_id) };
}
