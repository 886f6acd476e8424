import { assertMove, assertRequirements, findStage, missingRequirements, probabilityFor, rankOf, rankedStages, validateStages, weightedCents } from '../../core/opportunities/rules';
import { resolvePeriod } from '../../core/opportunities/forecast';
import { abbreviationScore, priceOpportunityLines } from '../../core/opportunities/operations';
import type { Stage } from '../../core/opportunities/schemas';
import { AppError } from '../../core/errors';

const S = (key: string, name: string, probability: number, category: Stage['category'], requires: Stage['requires'] = []): Stage => ({ key, name, nameEn: key, probability, category, requires });
const STAGES: Stage[] = [
  S('initial', '初步接洽', 10, 'pipeline'),
  S('qualified', '需求确认', 20, 'pipeline'),
  S('proposal', '方案报价', 50, 'best_case', ['amount']),
  S('negotiation', '谈判', 80, 'commit', ['amount']),
  S('won', '赢单', 100, 'won', ['amount']),
  S('lost', '输单', 0, 'lost'),
];
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return `${(e as AppError).code}:${(e as AppError).field ?? ''}`;
  }
  return 'ok';
};

describe('pipeline stage rules', () => {
  it('ranks open stages 1..n, won n+1, lost 0 (a forward move passes every rank in between)', () => {
    expect(STAGES.map((s) => rankOf(STAGES, s.key))).toEqual([1, 2, 3, 4, 5, 0]);
    expect(rankedStages(STAGES).map((s) => s.key)).toEqual(['initial', 'qualified', 'proposal', 'negotiation', 'won']);
  });

  it('finds a stage by key, Chinese or English name, ignoring case, width and spaces', () => {
    expect(findStage(STAGES, '谈判')?.key).toBe('negotiation');
    expect(findStage(STAGES, ' NEGOTIATION ')?.key).toBe('negotiation');
    expect(findStage(STAGES, 'ｗｏｎ')?.key).toBe('won');
    expect(findStage(STAGES, '签约')).toBeNull();
  });

  it('a stage requiring an amount refuses a deal without one, naming amountCents', () => {
    const state = { amountCents: null, expectedCloseDate: '2027-01-31', nextStep: null, lines: 0, competitors: 0 };
    expect(missingRequirements(STAGES[2], state)).toEqual(['amount']);
    expect(code(() => assertRequirements(STAGES[2], state))).toBe('VALIDATION:amountCents');
    expect(code(() => assertRequirements(STAGES[2], { ...state, amountCents: 0 }))).toBe('VALIDATION:amountCents');
    expect(code(() => assertRequirements(STAGES[2], { ...state, amountCents: 1 }))).toBe('ok');
    expect(code(() => assertRequirements(STAGES[1], state))).toBe('ok');
  });

  it('no move out of won or lost except by reopening; open stages move both ways', () => {
    expect(code(() => assertMove(STAGES[4], STAGES[3]))).toBe('INVALID_STATE:stage');
    expect(code(() => assertMove(STAGES[5], STAGES[0]))).toBe('INVALID_STATE:stage');
    expect(code(() => assertMove(STAGES[5], STAGES[4]))).toBe('INVALID_STATE:stage');
    expect(code(() => assertMove(STAGES[3], STAGES[0]))).toBe('ok');
    expect(code(() => assertMove(STAGES[0], STAGES[4]))).toBe('ok');
  });

  it('probability follows the stage unless overridden; a closed deal is 100 or 0 whatever the override', () => {
    expect(probabilityFor(STAGES[2], null)).toBe(50);
    expect(probabilityFor(STAGES[2], 65)).toBe(65);
    expect(probabilityFor(STAGES[4], 30)).toBe(100);
    expect(probabilityFor(STAGES[5], 30)).toBe(0);
  });

  it('weighted amount is amount × probability / 100, rounded half up, exact for large amounts', () => {
    expect(weightedCents(12_345, 50)).toBe(6_173); // 6172.5 → 6173
    expect(weightedCents(12_345, 10)).toBe(1_235); // 1234.5 → 1235
    expect(weightedCents(9_999_999_999_999, 33)).toBe(3_300_000_000_000); // 3,299,999,999,999.67 → up
    expect(weightedCents(9_999_999_999_999, 77)).toBe(7_699_999_999_999); // …999.23 → down
    expect(weightedCents(null, 50)).toBeNull();
  });

  it('validates a pipeline definition: one won (100%) and one lost (0%), unique keys and names, an open stage', () => {
    expect(validateStages(STAGES)).toHaveLength(6);
    expect(code(() => validateStages(STAGES.filter((s) => s.key !== 'lost')))).toBe('VALIDATION:stages');
    expect(code(() => validateStages([...STAGES.slice(0, 4), { ...STAGES[4], probability: 90 }, STAGES[5]]))).toBe('VALIDATION:stages');
    expect(code(() => validateStages([STAGES[0], { ...STAGES[1], key: 'initial' }, ...STAGES.slice(2)]))).toBe('VALIDATION:stages.1.key');
    expect(code(() => validateStages([STAGES[0], { ...STAGES[1], probability: 101 }, ...STAGES.slice(2)]))).toBe('VALIDATION:stages.1.probability');
    expect(code(() => validateStages(STAGES.slice(4)))).toMatch(/^VALIDATION:stages/);
  });

  it('prices lines in exact cents with the contracts’ rules', () => {
    const p = priceOpportunityLines([{ name: 'ERP', quantity: 3, unitPriceCents: 33_333, discountPct: '12.5' }, { name: '实施', quantity: 1, unitPriceCents: 1_000_000 }]);
    expect(p.lines.map((l) => l.amountCents)).toEqual([87_499, 1_000_000]); // 99,999 × 0.875 = 87,499.125 → 87,499
    expect(p.amountCents).toBe(1_087_499);
    expect(p.listCents).toBe(1_099_999);
  });
});

describe('periods', () => {
  const today = '2026-12-07';
  it.each([
    ['2027-01', '2027-01', '2027-01-01', '2027-01-31'],
    ['2027-Q1', '2027-Q1', '2027-01-01', '2027-03-31'],
    ['2027q4', '2027-Q4', '2027-10-01', '2027-12-31'],
    ['2027', '2027', '2027-01-01', '2027-12-31'],
    ['2027-01-15..2027-02-14', '2027-01-15..2027-02-14', '2027-01-15', '2027-02-14'],
    ['本月', '2026-12', '2026-12-01', '2026-12-31'],
    ['下个月', '2027-01', '2027-01-01', '2027-01-31'],
    ['本季度', '2026-Q4', '2026-10-01', '2026-12-31'],
    ['next-quarter', '2027-Q1', '2027-01-01', '2027-03-31'],
    ['今年', '2026', '2026-01-01', '2026-12-31'],
  ])('%s → %s', (text, label, from, to) => {
    expect(resolvePeriod(text, today)).toEqual({ label, from, to });
  });

  it.each(['2027-13', '2027-Q5', 'soon', '2027-02-30..2027-03-01', '2027-03-01..2027-02-01', '1800', '2027-01-01..2040-01-01'])('%s is refused naming period', (text) => {
    expect(code(() => resolvePeriod(text, today))).toBe('VALIDATION:period');
  });
});

describe('naming a deal in chat', () => {
  it('reads an abbreviation of customer + deal name, exact and substring matches first', () => {
    expect(abbreviationScore('远航ERP', '远航科技ERP升级')).toBeGreaterThan(0);
    expect(abbreviationScore('ERP升级', '远航科技ERP升级')).toBeGreaterThan(abbreviationScore('远航ERP', '远航科技ERP升级'));
    expect(abbreviationScore('erp', '远航科技ERP升级')).toBeGreaterThan(0);
    expect(abbreviationScore('星辰CRM', '远航科技ERP升级')).toBe(0);
    expect(abbreviationScore('', 'x')).toBe(0);
  });
});
