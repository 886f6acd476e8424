import { z } from 'zod';
import { invalid } from '../errors';
import { lineAmountCents, lineListCents, MAX_CENTS, percentToBp, toCents } from './money';

/**
 * Line items (name, quantity, unit price, discount) as contracts, opportunities and quotes take them, and their one
 * pricing rule: exact integer cents, each line's discount rounded half-up (core/shared/money.ts).
 */
export const lineInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    quantity: z.number().int().min(1).max(1_000_000),
    unitPriceCents: z.number().int().min(0).max(MAX_CENTS),
    /** Basis points (1% = 100) or a percent with ≤ 2 decimals. */
    discountBp: z.number().int().min(0).max(10_000).optional(),
    discountPct: z.union([z.string(), z.number()]).optional(),
  })
  .strict();
export type LineInput = z.input<typeof lineInput>;

export interface PricedLine {
  seq: number;
  name: string;
  quantity: number;
  unitPriceCents: number;
  discountBp: number;
  amountCents: number;
}

/** Lines → amounts, all integer cents; a list total above `maxCents` is refused naming `field`. */
export function priceLines(lines: z.output<typeof lineInput>[], opts: { field?: string; maxCents?: number; tooLarge?: [zh: string, en: string] } = {}): { lines: PricedLine[]; listCents: number; amountCents: number } {
  const field = opts.field ?? 'lines';
  const out = lines.map((l, i) => {
    const bp = l.discountBp ?? (l.discountPct !== undefined ? percentToBp(l.discountPct, `${field}.${i}.discountPct`) : 0);
    return { seq: i + 1, name: l.name, quantity: l.quantity, unitPriceCents: l.unitPriceCents, discountBp: bp, amountCents: lineAmountCents(l.quantity, l.unitPriceCents, bp) };
  });
  const listCents = lines.reduce((a, l) => a + lineListCents(l.quantity, l.unitPriceCents), 0);
  const amountCents = out.reduce((a, l) => a + l.amountCents, 0);
  const [zh, en] = opts.tooLarge ?? ['金额过大', 'Amount too large'];
  if (listCents > (opts.maxCents ?? MAX_CENTS)) throw invalid(field, zh, en);
  return { lines: out, listCents, amountCents };
}

/** A stored line (contract_lines, opportunity_lines, quote_lines) as either driver returns it. */
export interface LineRow {
  seq: number;
  name: string;
  quantity: number;
  unit_price_cents: unknown;
  discount_bp: number;
  amount_cents: unknown;
}

/** A stored line → the line every DTO carries (BIGINT/DECIMAL normalised to safe integer cents). */
export function toPricedLine(l: LineRow): PricedLine {
  return { seq: Number(l.seq), name: l.name, quantity: Number(l.quantity), unitPriceCents: toCents(l.unit_price_cents), discountBp: Number(l.discount_bp), amountCents: toCents(l.amount_cents) };
}
