import { chooseAssignee, DEFAULT_SCORING, scoreLead, type Rep } from '../../core/leads/rules';

const now = new Date('2026-11-23T02:00:00Z');

describe('scoreLead', () => {
  it('weights each factor and explains it', () => {
    const s = scoreLead({ industry: '制造业', source: '转介绍', companySize: 1200, interactions: 5, lastInteractionAt: now, createdAt: now }, DEFAULT_SCORING, now);
    expect(s.score).toBe(100);
    expect(s.hot).toBe(true);
    expect(s.reasons.map((r) => [r.factor, r.points, r.max])).toEqual([['industry', 30, 30], ['source', 20, 20], ['size', 20, 20], ['interactions', 15, 15], ['recency', 15, 15]]);
  });

  it('unknown industry/size, a weak source and an old lead score low; recency halves per half-life', () => {
    const created = new Date(now.getTime() - 7 * 86_400_000);
    const s = scoreLead({ industry: null, source: 'cold-call', companySize: null, interactions: 1, lastInteractionAt: null, createdAt: created }, DEFAULT_SCORING, now);
    expect(s.reasons.find((r) => r.factor === 'recency')!.points).toBe(7.5);
    expect(s.reasons.find((r) => r.factor === 'source')!.points).toBe(6);
    expect(s.score).toBe(Math.round(0 + 6 + 0 + 3 + 7.5));
    expect(s.hot).toBe(false);
    expect(s.reasons[0].en).toBe('industry unknown');
  });

  it('uses configured weights and target industries', () => {
    const cfg = { ...DEFAULT_SCORING, weights: { industry: 100, source: 0, size: 0, interactions: 0, recency: 0 }, targetIndustries: ['医疗'] };
    expect(scoreLead({ industry: '医疗', source: 'x', companySize: null, interactions: 0, lastInteractionAt: null, createdAt: now }, cfg, now).score).toBe(100);
    expect(scoreLead({ industry: '零售', source: 'x', companySize: null, interactions: 0, lastInteractionAt: null, createdAt: now }, cfg, now).score).toBe(0);
  });
});

describe('chooseAssignee', () => {
  const reps: Rep[] = [
    { id: 1, name: 'A', status: 'active', skills: ['华东'], openLeads: 3 },
    { id: 2, name: 'B', status: 'away', skills: ['华东', '制造业'], openLeads: 0 },
    { id: 3, name: 'C', status: 'active', skills: ['制造业'], openLeads: 1 },
  ];
  const traits = { region: '华东', industry: '制造业', skill: null };

  it('round-robin continues after the last assignee and wraps, skipping away reps', () => {
    expect(chooseAssignee(reps, traits, { strategy: 'round_robin', fallback: 'none' }, null)!.userId).toBe(1);
    expect(chooseAssignee(reps, traits, { strategy: 'round_robin', fallback: 'none' }, 1)!.userId).toBe(3);
    expect(chooseAssignee(reps, traits, { strategy: 'round_robin', fallback: 'none' }, 3)!.userId).toBe(1);
  });
  it('least-loaded picks the fewest open leads among active reps', () => {
    expect(chooseAssignee(reps, traits, { strategy: 'least_loaded', fallback: 'none' }, null)!.userId).toBe(3);
  });
  it('match ties on coverage go to the less loaded rep; nobody active → null', () => {
    expect(chooseAssignee(reps, traits, { strategy: 'match', fallback: 'none' }, null)!.userId).toBe(3);
    expect(chooseAssignee(reps.map((r) => ({ ...r, status: 'away' as const })), traits, { strategy: 'round_robin', fallback: 'none' }, null)).toBeNull();
  });
});
