import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Transaction } from 'sequelize';
import type { CoreContext } from '../context';
import { AppError } from '../errors';
import { getOrCreateSetting } from '../db/settings';
import { toDate } from '../db/connection';
import type { MpClient } from './schemas';

/**
 * Customer sessions of the mini-program. A token is `mp1.<sessionId>.<expiresEpochSeconds>.<hmac>`:
 * the HMAC (MP_SESSION_SECRET, else a generated secret kept in settings) rejects forged or altered tokens
 * without a query; the session row makes them revocable, and its contact must still belong to its customer.
 */
export type { MpClient } from './schemas';
export const SESSION_DAYS: Record<MpClient, number> = { weapp: 30, lark: 30, h5: 180 };

export interface CustomerSession {
  sessionId: number;
  contactId: number;
  customerId: number;
  client: MpClient;
  expiresAt: Date;
}

export async function resolveSessionSecret(ctx: CoreContext, configured?: string | null): Promise<string> {
  if (configured) return configured;
  return getOrCreateSetting(ctx.db, 'mp.session_secret', () => randomBytes(48).toString('base64url'));
}

const sign = (secret: string, body: string) => createHmac('sha256', secret).update(body).digest('base64url');

export function encodeToken(secret: string, sessionId: number, expiresAt: Date): string {
  const body = `mp1.${sessionId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${body}.${sign(secret, body)}`;
}

const unauth = (reason: string) => new AppError('UNAUTHENTICATED', { data: { reason } });

/** Checks signature and expiry only (no database). */
export function decodeToken(secret: string, token: string, now: Date): { sessionId: number; expiresAt: Date } {
  const m = /^mp1\.(\d{1,12})\.(\d{1,12})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) throw unauth('bad_token');
  const body = `mp1.${m[1]}.${m[2]}`;
  const want = Buffer.from(sign(secret, body));
  const got = Buffer.from(m[3]);
  if (want.length !== got.length || !timingSafeEqual(want, got)) throw unauth('bad_token');
  const expiresAt = new Date(Number(m[2]) * 1000);
  if (expiresAt.getTime() <= now.getTime()) throw unauth('expired');
  return { sessionId: Number(m[1]), expiresAt };
}

/** A full check: signature, expiry, not revoked, the contact still with that customer. One PK query. */
export async function verifySession(ctx: CoreContext, secret: string, token: string): Promise<CustomerSession> {
  const now = ctx.clock.now();
  const { sessionId } = decodeToken(secret, token, now);
  const [s] = await ctx.db.select<{ contact_id: number; customer_id: number; client: MpClient; expires_at: unknown; revoked_at: unknown; contact_customer: number | null }>(
    `SELECT s.contact_id, s.customer_id, s.client, s.expires_at, s.revoked_at, c.customer_id AS contact_customer
       FROM mp_sessions s LEFT JOIN contacts c ON c.id = s.contact_id WHERE s.id = :id`,
    { id: sessionId },
  );
  if (!s || s.revoked_at) throw unauth('revoked');
  const expiresAt = toDate(s.expires_at)!;
  if (expiresAt.getTime() <= now.getTime()) throw unauth('expired');
  if (Number(s.contact_customer) !== Number(s.customer_id)) throw unauth('revoked');
  return { sessionId, contactId: Number(s.contact_id), customerId: Number(s.customer_id), client: s.client, expiresAt };
}

export async function createSession(ctx: CoreContext, t: Transaction, contactId: number, customerId: number, client: MpClient): Promise<CustomerSession> {
  const now = ctx.clock.now();
  const expiresAt = new Date(now.getTime() + SESSION_DAYS[client] * 86_400_000);
  const row = await ctx.models.MpSession.create({ contact_id: contactId, customer_id: customerId, client, expires_at: expiresAt, created_at: now }, { transaction: t });
  return { sessionId: row.get('id'), contactId, customerId, client, expiresAt };
}

export async function revokeSession(ctx: CoreContext, sessionId: number): Promise<void> {
  await ctx.models.MpSession.update({ revoked_at: ctx.clock.now() }, { where: { id: sessionId, revoked_at: null } });
}

/** Staff: sign a contact out everywhere (lost phone, left the company). */
export async function revokeContactSessions(ctx: CoreContext, contactId: number): Promise<number> {
  const [n] = await ctx.models.MpSession.update({ revoked_at: ctx.clock.now() }, { where: { contact_id: contactId, revoked_at: null } });
  return n;
}

const ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
/** 8 characters from an alphabet without look-alikes (0/O, 1/I/L): ~8.5e11 codes, typed easily. */
export function newInviteCode(): string {
  const bytes = randomBytes(8);
  return [...bytes].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}
export function normaliseInviteCode(raw: string): string {
  return raw.toUpperCase().replace(/[\s-]/g, '');
}
/** Only a hash is stored: a leaked table does not leak usable codes. */
export function hashInviteCode(code: string): string {
  return createHash('sha256').update(normaliseInviteCode(code)).digest('hex');
}
