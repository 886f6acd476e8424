import { z } from 'zod';
import { Op, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { parseInput } from '../validation';
import { dateTime } from '../shared/fields';
import { toDate } from '../db/connection';
import { recordAudit } from '../audit/record';
import { compareReadings, readingSchema, scoreReadings, type Reading, type ScoredField, type SetScore } from './score';
import type { IntentCorrectionAttrs } from './model';

/**
 * Learning from corrections: when a rep changes what the understood card says (the intent, the customer as written,
 * the channel, the date) and saves it, the message, what we read and what they chose are kept. `npm run crm --
 * parse-eval --corrections` replays them through today's parser: a correction the parser now agrees with counts as
 * right. Nothing is recorded when the rep saved the card as read.
 */

export const recordCorrectionInput = z.object({
  text: z.string().trim().min(1).max(4000),
  sentAt: dateTime,
  timezone: z.string().min(1).max(64).optional(),
  read: readingSchema,
  chosen: readingSchema,
});
export type RecordCorrectionInput = z.input<typeof recordCorrectionInput>;

export interface CorrectionDto {
  id: number;
  userId: number | null;
  text: string;
  /** When the message was sent (ISO); relative dates are replayed against it. */
  sentAt: string;
  timezone: string;
  read: Reading;
  chosen: Reading;
  fields: ScoredField[];
  /** When the correction was saved (ISO). */
  at: string;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

function toDto(r: IntentCorrectionAttrs): CorrectionDto {
  return {
    id: Number(r.id),
    userId: r.user_id === null ? null : Number(r.user_id),
    text: r.message_text,
    sentAt: toDate(r.sent_at)!.toISOString(),
    timezone: r.timezone,
    read: json<Reading>(r.read_json),
    chosen: json<Reading>(r.chosen_json),
    fields: (r.fields ? r.fields.split(',') : []) as ScoredField[],
    at: toDate(r.created_at)!.toISOString(),
  };
}

/** Records one correction (with its audit entry) in the caller's transaction; null when `chosen` equals `read`. */
export async function recordCorrection(ctx: CoreContext, actor: Actor, channel: Channel, raw: RecordCorrectionInput, parentT?: Transaction | null): Promise<CorrectionDto | null> {
  const input = parseInput(recordCorrectionInput, raw);
  const fields = compareReadings(input.read, input.chosen).map((m) => m.field);
  if (!fields.length) return null;
  return ctx.db.tx(async (t) => {
    const row = await ctx.models.IntentCorrection.create({
      user_id: actor.kind === 'user' ? actor.userId : null,
      message_text: input.text,
      sent_at: input.sentAt,
      timezone: input.timezone ?? ctx.timezone,
      read_json: input.read,
      chosen_json: input.chosen,
      fields: fields.join(','),
      created_at: ctx.clock.now(),
    }, { transaction: t });
    const dto = toDto(row.get({ plain: true }) as IntentCorrectionAttrs);
    await recordAudit(ctx, t, { actor, action: 'intent.correct', entityType: 'intent_correction', entityId: dto.id, channel, data: { fields } });
    return dto;
  }, parentT);
}

export const listCorrectionsInput = z.object({
  afterId: z.number().int().min(0).default(0),
  limit: z.number().int().min(1).max(1000).default(200),
  userId: z.number().int().min(1).optional(),
});

/** Corrections in the order they were made (keyset on id), optionally one user's. */
export async function listCorrections(ctx: CoreContext, raw: z.input<typeof listCorrectionsInput> = {}): Promise<CorrectionDto[]> {
  const input = parseInput(listCorrectionsInput, raw);
  const rows = await ctx.models.IntentCorrection.findAll({
    where: { id: { [Op.gt]: input.afterId }, ...(input.userId ? { user_id: input.userId } : {}) },
    order: [['id', 'ASC']],
    limit: input.limit,
    raw: true,
  });
  return (rows as unknown as IntentCorrectionAttrs[]).map(toDto);
}

/**
 * Replays every recorded correction through `read` (today's parser, with whatever dictionary the caller gives it)
 * and scores it against what the rep chose, per field.
 */
export async function replayCorrections(ctx: CoreContext, read: (c: CorrectionDto) => Reading | Promise<Reading>): Promise<SetScore & { corrections: number }> {
  const rows: Array<{ text: string; want: Reading; got: Reading }> = [];
  for (let after = 0; ;) {
    const page = await listCorrections(ctx, { afterId: after, limit: 500 });
    for (const c of page) rows.push({ text: c.text, want: c.chosen, got: await read(c) });
    if (page.length < 500) break;
    after = page[page.length - 1].id;
  }
  return { ...scoreReadings(rows), corrections: rows.length };
}
