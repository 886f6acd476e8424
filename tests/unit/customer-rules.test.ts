import { normalizeCompanyName, normalizeEmail, normalizePhone } from '../../core/customers/normalize';
import { DEFAULT_RFM_THRESHOLDS, explainTier, scoreRfm, checkThresholds } from '../../core/customers/rules';
import { claimCheck, DEFAULT_POOL_RULES, recycleDecision, ruleFor, scanBounds, withDefaults, checkPoolRules } from '../../core/pool/rules';
import { canSeeCustomer, visibleScope, canEditCustomer } from '../../core/customers/visibility';

// De-dup normalisation: pairs that must collide, and pairs that must not (on top of tests/unit/normalize.test.ts).
describe('de-dup: the same phone written differently', () => {
  it.each([
    ['13812345678', '+8613812345678'],
    ['13812345678', '+86 (138) 1234-5678'],
    ['13812345678', '0086-138-1234-5678'],
    ['13812345678', '86 138 1234 5678'],
    ['13812345678', '138.1234.5678'],
    ['13812345678', '（138）12345678'],
    ['13812345678', ' 138 1234 5678 '],
    ['021-6123 4567', '02161234567'],
  ])('%s ≡ %s', (a, b) => expect(normalizePhone(a)).toBe(normalizePhone(b)));
  it.each([
    ['13812345678', '13812345679'],
    ['13812345678', '+1 3812345678'],
  ])('%s ≢ %s', (a, b) => expect(normalizePhone(a)).not.toBe(normalizePhone(b)));
  it.each(['12345678901', '1381234567a', '+86 123', '----'])('%s is not a CN mobile', (p) => expect(/^1[3-9]\d{9}$/.test(normalizePhone(p) ?? '')).toBe(false));
});

describe('de-dup: the same e-mail written differently', () => {
  it.each([
    ['li@corp.cn', 'LI@CORP.CN'],
    ['li@corp.cn', ' li@corp.cn '],
    ['li@corp.cn', 'li+sales@corp.cn'],
    ['li@corp.cn', 'mailto:Li@Corp.cn'],
  ])('%s ≡ %s', (a, b) => expect(normalizeEmail(a)).toBe(normalizeEmail(b)));
  it('different domains differ', () => expect(normalizeEmail('li@corp.cn')).not.toBe(normalizeEmail('li@corp.com')));
});

describe('de-dup: the same company written differently', () => {
  it.each([
    ['远航科技有限公司', '远航科技股份有限公司'],
    ['远航科技有限公司', '远航科技(有限公司)'],
    ['远航科技有限公司', '远航科技有限责任公司'],
    ['远航科技有限公司', '远航科技集团'],
    ['远航科技有限公司', '远航科技公司'],
    ['远航科技有限公司', '远航 科技 有限公司'],
    ['远航科技有限公司', '远航科技有限公司。'],
    ['远航科技有限公司', '「远航科技」有限公司'],
    ['华信贸易（上海）有限公司', '华信贸易(上海)有限公司'],
    ['Acme Co., Ltd.', 'ACME CO LTD'],
    ['Acme Co., Ltd.', 'acme limited'],
    ['Acme Co., Ltd.', 'Acme Inc'],
    ['Acme Co., Ltd.', 'Ａｃｍｅ Co.,Ltd.'],
    ['Acme Co., Ltd.', 'Acme Company Limited'],
    ['Acme Co., Ltd.', 'Acme Corp.'],
    ['Acme Co., Ltd.', 'Acme GmbH'],
  ])('%s ≡ %s', (a, b) => expect(normalizeCompanyName(a)).toBe(normalizeCompanyName(b)));
  it.each([
    ['远航科技有限公司', '远航物流有限公司'],
    ['上海远航科技', '远航科技'],
    ['Acme', 'Acme Tools'],
  ])('%s ≢ %s', (a, b) => expect(normalizeCompanyName(a)).not.toBe(normalizeCompanyName(b)));
});

describe('RFM tiers', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  it.each([
    [{ lastWonAt: daysAgo(10), lastFollowupAt: null, wonCount: 5, wonTotalCents: 500_000_00 }, 'high_value', 'big_and_recent'],
    [{ lastWonAt: daysAgo(60), lastFollowupAt: null, wonCount: 1, wonTotalCents: 200_000_00 }, 'high_value', 'big_and_recent'],
    [{ lastWonAt: daysAgo(200), lastFollowupAt: null, wonCount: 3, wonTotalCents: 200_000_00 }, 'at_risk', 'lapsed_buyer'],
    [{ lastWonAt: null, lastFollowupAt: daysAgo(120), wonCount: 0, wonTotalCents: 0 }, 'at_risk', 'long_silent'],
    [{ lastWonAt: null, lastFollowupAt: daysAgo(3), wonCount: 0, wonTotalCents: 0 }, 'potential', 'recent_engaged'],
    [{ lastWonAt: null, lastFollowupAt: daysAgo(45), wonCount: 0, wonTotalCents: 0 }, 'normal', 'default'],
    [{ lastWonAt: null, lastFollowupAt: null, wonCount: 0, wonTotalCents: 0 }, 'normal', 'default'],
  ] as const)('%o → %s (%s)', (x, tier, rule) => {
    const r = scoreRfm(x, now);
    expect(r.tier).toBe(tier);
    expect(r.reason.rule).toBe(rule);
  });
  it('thresholds are configurable', () => {
    const x = { lastWonAt: daysAgo(10), lastFollowupAt: null, wonCount: 1, wonTotalCents: 50_000_00 };
    expect(scoreRfm(x, now).tier).not.toBe('high_value');
    expect(scoreRfm(x, now, { ...DEFAULT_RFM_THRESHOLDS, highValueCents: 40_000_00 }).tier).toBe('high_value');
  });
  it('explains itself in both languages', () => {
    const r = scoreRfm({ lastWonAt: daysAgo(10), lastFollowupAt: null, wonCount: 5, wonTotalCents: 500_000_00 }, now);
    expect(explainTier(r.tier, r.reason, 'zh-CN')).toMatch(/^高价值：30天内有成交或跟进，成交≥3次，累计成交≥¥100,000$/);
    expect(explainTier(r.tier, r.reason, 'en')).toMatch(/^High value: /);
  });
  it('rejects inconsistent thresholds', () => {
    expect(checkThresholds({ ...DEFAULT_RFM_THRESHOLDS, lapsingDays: 10 })).toMatch(/lapsingDays/);
    expect(checkThresholds(DEFAULT_RFM_THRESHOLDS)).toBeNull();
  });
});

describe('pool rules', () => {
  const now = new Date('2026-11-23T00:00:00Z');
  const daysAgo = (d: number) => new Date(now.getTime() - d * 86_400_000);
  const rules = withDefaults({ byTier: { high_value: { noFollowupDays: 60 } }, recycle: { noFollowupDays: 30, noWonDealDays: 90 } });
  it('defaults: 30 days, warn 3, 50 held, 20 a day', () => {
    expect(DEFAULT_POOL_RULES).toMatchObject({ maxHeld: 50, maxClaimsPerDay: 20, warnDays: 3, recycle: { noFollowupDays: 30 } });
  });
  it('per-tier override', () => {
    expect(ruleFor(rules, 'high_value').noFollowupDays).toBe(60);
    expect(ruleFor(rules, 'normal').noFollowupDays).toBe(30);
    expect(ruleFor(rules, null).noWonDealDays).toBe(90);
  });
  it.each([
    [{ tier: null, lastFollowupAt: daysAgo(31), claimedAt: daysAgo(40), lastWonAt: null }, 'recycle', 'no_followup'],
    [{ tier: null, lastFollowupAt: daysAgo(28), claimedAt: daysAgo(40), lastWonAt: null }, 'warn', 'no_followup'],
    [{ tier: null, lastFollowupAt: daysAgo(10), claimedAt: daysAgo(40), lastWonAt: null }, 'keep', 'no_followup'],
    [{ tier: 'high_value', lastFollowupAt: daysAgo(40), claimedAt: daysAgo(50), lastWonAt: daysAgo(45) }, 'keep', 'no_followup'],
    [{ tier: null, lastFollowupAt: daysAgo(200), claimedAt: daysAgo(2), lastWonAt: null }, 'keep', 'no_followup'],
    [{ tier: null, lastFollowupAt: daysAgo(1), claimedAt: daysAgo(91), lastWonAt: null }, 'recycle', 'no_won_deal'],
    [{ tier: null, lastFollowupAt: daysAgo(1), claimedAt: daysAgo(91), lastWonAt: daysAgo(5) }, 'keep', 'no_followup'],
  ] as const)('%o → %s', (c, action, reason) => {
    const d = recycleDecision(c, rules, now);
    expect(d.action).toBe(action);
    expect(d.reason).toBe(reason);
  });
  it('scan bounds', () => {
    expect(scanBounds([rules, withDefaults({ recycle: { noFollowupDays: 15, noWonDealDays: null }, warnDays: 5 })])).toEqual({ minFollowupDays: 15, minWonDealDays: 90, maxWarnDays: 5 });
  });
  it('claim checks: cooldown first, then held, then daily', () => {
    const r = withDefaults({ maxHeld: 2, maxClaimsPerDay: 3, cooldownDays: 7 });
    expect(claimCheck({ held: 0, claimsToday: 0, lastLostAt: daysAgo(3) }, r, now)).toMatchObject({ code: 'COOLDOWN', until: daysAgo(-4) });
    expect(claimCheck({ held: 2, claimsToday: 0, lastLostAt: daysAgo(8) }, r, now)).toMatchObject({ code: 'LIMIT_REACHED', limit: 'held' });
    expect(claimCheck({ held: 1, claimsToday: 3, lastLostAt: null }, r, now)).toMatchObject({ code: 'LIMIT_REACHED', limit: 'daily' });
    expect(claimCheck({ held: 1, claimsToday: 2, lastLostAt: null }, r, now)).toBeNull();
  });
  it('validates rules', () => {
    expect(checkPoolRules(withDefaults({ maxHeld: -1 }))).toMatch(/maxHeld/);
    expect(checkPoolRules(withDefaults({ recycle: { noFollowupDays: 0, noWonDealDays: null } }))).toMatch(/noFollowupDays/);
  });
});

describe('visibility', () => {
  const rep = { kind: 'user', userId: 1, role: 'rep', teamId: 10 } as const;
  const mgr = { kind: 'user', userId: 2, role: 'manager', teamId: 10 } as const;
  const svc = { kind: 'user', userId: 3, role: 'service', teamId: 10 } as const;
  const mine = { id: 1, owner_id: 1, team_id: 10 };
  const teammate = { id: 2, owner_id: 5, team_id: 10 };
  const other = { id: 3, owner_id: 6, team_id: 20 };
  const pool = { id: 4, owner_id: null, team_id: null };
  it.each([
    [rep, mine, true], [rep, teammate, false], [rep, other, false], [rep, pool, true],
    [mgr, mine, true], [mgr, teammate, true], [mgr, other, false], [mgr, pool, true],
    [svc, other, true], [{ kind: 'system' } as const, other, true],
    [{ kind: 'customer', contactId: 1, customerId: 3 } as const, other, true], [{ kind: 'customer', contactId: 1, customerId: 3 } as const, mine, false],
  ])('%o sees %o: %s', (actor, row, ok) => expect(canSeeCustomer(actor, row)).toBe(ok));
  it('edit: reps only their own; service only follow-ups', () => {
    expect(canEditCustomer(rep, pool)).toBe(false);
    expect(canEditCustomer(rep, mine)).toBe(true);
    expect(canEditCustomer(svc, other)).toBe(false);
    expect(canEditCustomer(svc, other, 'activity')).toBe(true);
  });
  it('SQL scope matches', () => {
    expect(visibleScope(rep).sql).toBe('(c.owner_id IS NULL OR c.owner_id = :vs_user)');
    expect(visibleScope(mgr).replacements).toEqual({ vs_user: 2, vs_team: 10 });
    expect(visibleScope(svc).sql).toBe('1=1');
  });
});
