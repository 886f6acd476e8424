/**
 * Money is integer cents (fen). Every product of money and a ratio is done in BigInt and rounded
 * explicitly half-up, so no float ever touches an amount.
 */
import { invalid } from '../errors';

/** Contracts above this are refused as input errors (keeps every sum well inside 2^53). */
export const MAX_CENTS = 1_000_000_000_000_00; // ¥1e12

/** round(n / d) half-up for non-negative n and positive d. */
export function divRoundHalfUp(n: bigint, d: bigint): bigint {
  if (d <= 0n) throw new Error('divisor must be positive');
  if (n < 0n) return -divRoundHalfUp(-n, d);
  return (n * 2n + d) / (2n * d);
}

/** quantity × unit price, less a discount in basis points (1% = 100 bp), rounded half-up to the cent. */
export function lineAmountCents(quantity: number, unitPriceCents: number, discountBp: number): number {
  const gross = BigInt(quantity) * BigInt(unitPriceCents);
  return Number(divRoundHalfUp(gross * BigInt(10_000 - discountBp), 10_000n));
}

export function lineListCents(quantity: number, unitPriceCents: number): number {
  return Number(BigInt(quantity) * BigInt(unitPriceCents));
}

/** The overall discount in bp for display, rounded half-up. Policy checks use `discountExceeds` (exact). */
export function discountBp(listCents: number, amountCents: number): number {
  if (listCents <= 0) return 0;
  return Number(divRoundHalfUp(BigInt(listCents - amountCents) * 10_000n, BigInt(listCents)));
}

/** Exact: (list − amount) / list > bp / 10000, compared in integers. */
export function discountExceeds(listCents: number, amountCents: number, bp: number): boolean {
  if (listCents <= 0) return false;
  return BigInt(listCents - amountCents) * 10_000n > BigInt(bp) * BigInt(listCents);
}

/** A percent string or number with at most 2 decimals ("12.5", 12.5, "12.5%") → basis points; no float math. */
export function percentToBp(v: string | number, field = 'discount'): number {
  const s = String(v).trim().replace(/[%％]$/, '');
  const m = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(s);
  if (!m) throw invalid(field, '折扣应为 0–100 之间、最多两位小数的百分比', 'Discount must be a percentage 0–100 with at most 2 decimals');
  const bp = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'));
  if (bp > 10_000) throw invalid(field, '折扣不能超过 100%', 'Discount cannot exceed 100%');
  return bp;
}

/**
 * A yuan amount as typed by a person ("50000", "5万", "1.5w", "¥50,000.10", "3k") → cents.
 * Parsed as a decimal string scaled to 1e-6 yuan, multiplied, and required to be whole cents.
 */
export function parseYuan(text: string, field = 'amount'): number {
  const s = text.trim().replace(/^[¥￥]/, '').replace(/元$/, '').replace(/,/g, '').trim();
  const m = /^(\d+)(?:\.(\d{1,6}))?\s*(万|w|W|k|K|千)?$/.exec(s);
  if (!m) throw invalid(field, `金额格式不正确：${text}`, `Not an amount: ${text}`);
  const micro = BigInt(m[1]) * 1_000_000n + BigInt((m[2] ?? '').padEnd(6, '0'));
  const mult = m[3] === '万' || m[3] === 'w' || m[3] === 'W' ? 10_000n : m[3] ? 1_000n : 1n;
  const scaled = micro * mult; // micro-yuan
  if (scaled % 10_000n !== 0n) throw invalid(field, '金额最多精确到分', 'Amounts have at most 2 decimals (cents)');
  const cents = scaled / 10_000n;
  if (cents > BigInt(MAX_CENTS)) throw invalid(field, '金额过大', 'Amount too large');
  return Number(cents);
}

/** 1234567 → "12,345.67" (no float division). */
export function formatCents(cents: number): string {
  const neg = cents < 0;
  const abs = BigInt(Math.abs(cents));
  const yuan = (abs / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const fen = (abs % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${yuan}.${fen}`;
}

/** Splits `total` into `n` parts that sum exactly to it; the remainder cents go to the first parts. */
export function splitEvenly(total: number, n: number): number[] {
  if (n < 1) throw new Error('n must be ≥ 1');
  const base = Math.floor(total / n);
  const rest = total - base * n;
  return Array.from({ length: n }, (_, i) => base + (i < rest ? 1 : 0));
}

/** Splits `total` by percentages in bp (must sum to 10000); rounding residue goes to the last part. */
export function splitByBp(total: number, parts: number[], field = 'instalments'): number[] {
  if (parts.reduce((a, b) => a + b, 0) !== 10_000) throw invalid(field, '各期比例之和必须为 100%', 'Instalment percentages must add up to 100%');
  const out = parts.map((bp) => Number(divRoundHalfUp(BigInt(total) * BigInt(bp), 10_000n)));
  out[out.length - 1] += total - out.reduce((a, b) => a + b, 0);
  return out;
}

/** Normalises a BIGINT/DECIMAL/SUM value from either driver into a safe integer. */
export function toCents(v: unknown): number {
  if (v === null || v === undefined) return 0;
  const n = typeof v === 'number' ? v : Number(String(v));
  if (!Number.isSafeInteger(n)) throw new Error(`not an integer cents value: ${String(v)}`);
  return n;
}
