import { discountBp, discountExceeds, divRoundHalfUp, formatCents, lineAmountCents, parseYuan, percentToBp, splitByBp, splitEvenly } from '../../core/shared/money';
import { priceLines } from '../../core/contracts/operations';
import { assertPlanSums } from '../../core/receivables/plan';

describe('money in integer cents', () => {
  it('rounds half-up explicitly', () => {
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divRoundHalfUp(-15n, 10n)).toBe(-2n);
  });

  it('line amounts: quantity × price − discount, to the cent, where floats go wrong', () => {
    // 0.1 + 0.2 style: 3 × ¥0.10 = ¥0.30 exactly
    expect(lineAmountCents(3, 10, 0)).toBe(30);
    // 7 × ¥19.99 at 15% off = 139.93 × 0.85 = 118.9405 → 118.94
    expect(lineAmountCents(7, 1999, 1500)).toBe(11894);
    // 1 × ¥0.05 at 50% = 0.025 → 0.03 (half-up), a float gives 0.024999…
    expect(lineAmountCents(1, 5, 5000)).toBe(3);
    // ¥2.01 at 50% = 100.5 fen → 101; the float route gives 100.49999999999999 → 100
    expect(Math.round(2.01 * 0.5 * 100)).toBe(100);
    expect(lineAmountCents(1, 201, 5000)).toBe(101);
    // large: 1,000,000 × ¥99,999.99 at 12.34% off stays exact
    expect(lineAmountCents(1_000_000, 9_999_999, 1234)).toBe(Number((1_000_000n * 9_999_999n * 8766n + 5000n) / 10000n));
  });

  it('percent strings → basis points with no float error', () => {
    expect(percentToBp('12.5')).toBe(1250);
    expect(percentToBp('12.5%')).toBe(1250);
    expect(percentToBp(7)).toBe(700);
    expect(percentToBp('20')).toBe(2000);
    expect(percentToBp('20.01')).toBe(2001);
    expect(percentToBp(33.33)).toBe(3333);
    expect(() => percentToBp('100.01')).toThrow();
    expect(() => percentToBp('1.234')).toThrow();
  });

  it('parses yuan as typed in chat', () => {
    expect(parseYuan('50000')).toBe(5_000_000);
    expect(parseYuan('5万')).toBe(5_000_000);
    expect(parseYuan('1.5w')).toBe(1_500_000);
    expect(parseYuan('¥50,000.10')).toBe(5_000_010);
    expect(parseYuan('0.1')).toBe(10);
    expect(parseYuan('3k')).toBe(300_000);
    expect(parseYuan('1.23456万')).toBe(1_234_560);
    expect(() => parseYuan('0.001')).toThrow();
    expect(() => parseYuan('abc')).toThrow();
  });

  it('formats cents without division', () => {
    expect(formatCents(123456789)).toBe('1,234,567.89');
    expect(formatCents(5)).toBe('0.05');
    expect(formatCents(-100)).toBe('-1.00');
  });

  it('splits exactly, the residue explicit', () => {
    expect(splitEvenly(100, 3)).toEqual([34, 33, 33]);
    expect(splitEvenly(10_000_001, 3).reduce((a, b) => a + b)).toBe(10_000_001);
    expect(splitByBp(100_001, [3333, 3333, 3334])).toEqual([33_330, 33_330, 33_341]);
    expect(splitByBp(99_999, [5000, 5000]).reduce((a, b) => a + b)).toBe(99_999);
    expect(() => splitByBp(100, [5000, 4999])).toThrow();
  });

  it('discount: displayed rounded, compared exactly', () => {
    expect(discountBp(100_000, 80_000)).toBe(2000);
    expect(discountExceeds(100_000, 80_000, 2000)).toBe(false);
    expect(discountExceeds(100_000, 79_999, 2000)).toBe(true);
    // 20.004% rounds to 20.00% for display but is above 20% for the policy
    expect(discountBp(1_000_000, 799_960)).toBe(2000);
    expect(discountExceeds(1_000_000, 799_960, 2000)).toBe(true);
  });

  it('prices lines and checks plans sum to the cent', () => {
    const p = priceLines([
      { name: 'A', quantity: 3, unitPriceCents: 3333, discountBp: 0 },
      { name: 'B', quantity: 1, unitPriceCents: 1, discountPct: '50' },
    ]);
    expect(p.listCents).toBe(10_000);
    expect(p.amountCents).toBe(9_999 + 1); // 0.5 cent rounds half-up to 1
    expect(() => assertPlanSums([{ amountCents: 5000 }, { amountCents: 4999 }], 10_000)).toThrow(/10000/);
    expect(() => assertPlanSums([{ amountCents: 5000 }, { amountCents: 5000 }], 10_000)).not.toThrow();
  });
});
