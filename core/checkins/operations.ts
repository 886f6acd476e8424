import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { toDate } from '../db/connection';
import { logActivity } from '../activities/operations';
import type { CheckinDto, CheckinStatus } from './schemas';

export type { CheckinDto } from './schemas';

/**
 * Field-visit check-ins from chat: "签到 [customer]" opens one; the location message that follows records position,
 * address and time (and logs a visit on the customer); an image within the window adds the photo key.
 */
export const CHECKIN_WINDOW_MS = 30 * 60_000;

const toDto = (r: Record<string, unknown>): CheckinDto => ({
  id: Number(r.id),
  userId: Number(r.user_id),
  customerId: r.customer_id === null ? null : Number(r.customer_id),
  status: r.status as CheckinStatus,
  latitude: r.latitude === null ? null : Number(r.latitude),
  longitude: r.longitude === null ? null : Number(r.longitude),
  address: (r.address as string) ?? null,
  imageKey: (r.image_key as string) ?? null,
  occurredAt: toDate(r.occurred_at)?.toISOString() ?? null,
});

const userOf = (actor: Actor): number => {
  if (actor.kind !== 'user') throw new AppError('FORBIDDEN');
  return actor.userId;
};

export async function startCheckin(ctx: CoreContext, actor: Actor, customerId: number | null, parentT?: Transaction | null): Promise<CheckinDto> {
  const userId = userOf(actor);
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    // A new 签到 replaces one still waiting for its location.
    await ctx.db.sequelize.query("DELETE FROM checkins WHERE user_id = :u AND status = 'open'", { replacements: { u: userId }, type: QueryTypes.DELETE, transaction: t });
    const [id] = await ctx.db.sequelize.query(
      "INSERT INTO checkins (user_id, customer_id, status, occurred_at, created_at, updated_at) VALUES (:u, :c, 'open', :now, :now, :now)",
      { replacements: { u: userId, c: customerId, now }, type: QueryTypes.INSERT, transaction: t },
    );
    const rows = await ctx.db.select<Record<string, unknown>>('SELECT * FROM checkins WHERE id = :id', { id: Number(id) }, t);
    return toDto(rows[0]);
  }, parentT);
}

/** Records the location against the user's open check-in (null when none is waiting). */
export async function recordCheckinLocation(ctx: CoreContext, actor: Actor, loc: { latitude: number; longitude: number; address: string | null }, parentT?: Transaction | null): Promise<CheckinDto | null> {
  const userId = userOf(actor);
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    const open = (await ctx.db.select<Record<string, unknown>>(
      "SELECT * FROM checkins WHERE user_id = :u AND status = 'open' AND occurred_at >= :since ORDER BY id DESC LIMIT 1",
      { u: userId, since: new Date(now.getTime() - CHECKIN_WINDOW_MS) }, t))[0];
    if (!open) return null;
    const [, n] = await ctx.db.sequelize.query(
      "UPDATE checkins SET status = 'done', latitude = :lat, longitude = :lng, address = :addr, occurred_at = :now, updated_at = :now WHERE id = :id AND status = 'open'",
      { replacements: { id: Number(open.id), lat: loc.latitude, lng: loc.longitude, addr: loc.address?.slice(0, 300) ?? null, now }, type: QueryTypes.UPDATE, transaction: t },
    );
    if (!Number(n)) return null;
    if (open.customer_id !== null) {
      await logActivity(ctx, actor, 'chat', {
        customerId: Number(open.customer_id),
        channel: 'visit',
        summary: `现场签到 / on-site check-in: ${loc.address ?? `${loc.latitude.toFixed(5)}, ${loc.longitude.toFixed(5)}`}`,
        occurredAt: now,
      }, t);
    }
    return toDto((await ctx.db.select<Record<string, unknown>>('SELECT * FROM checkins WHERE id = :id', { id: Number(open.id) }, t))[0]);
  }, parentT);
}

/** Attaches a photo to the user's latest check-in within the window (open or just done); null when there is none. */
export async function attachCheckinPhoto(ctx: CoreContext, actor: Actor, imageKey: string, parentT?: Transaction | null): Promise<CheckinDto | null> {
  const userId = userOf(actor);
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    const row = (await ctx.db.select<Record<string, unknown>>(
      'SELECT * FROM checkins WHERE user_id = :u AND occurred_at >= :since ORDER BY id DESC LIMIT 1',
      { u: userId, since: new Date(now.getTime() - CHECKIN_WINDOW_MS) }, t))[0];
    if (!row) return null;
    await ctx.db.sequelize.query('UPDATE checkins SET image_key = :k, updated_at = :now WHERE id = :id', {
      replacements: { id: Number(row.id), k: imageKey.slice(0, 200), now }, type: QueryTypes.UPDATE, transaction: t,
    });
    return toDto((await ctx.db.select<Record<string, unknown>>('SELECT * FROM checkins WHERE id = :id', { id: Number(row.id) }, t))[0]);
  }, parentT);
}
