import { TIERS, TIER_NAMES } from '../../core/customers/rules';
import { TIER_NAMES as MINIAPP_TIER_NAMES, tierName } from '../../miniapp/src/lib/tiers';

// The mini-program cannot import the core at run time; its copy of the tiers' names must say what the CRM says.
describe("the mini-program's tier names", () => {
  it('are the CRM tiers, with the same zh-CN and English names', () => {
    expect(MINIAPP_TIER_NAMES).toEqual(TIER_NAMES);
    for (const code of TIERS) {
      expect(tierName(code, 'zh-CN')).toBe(TIER_NAMES[code]['zh-CN']);
      expect(tierName(code, 'en')).toBe(TIER_NAMES[code].en);
      expect(tierName(code, 'zh-CN')).not.toBe(code);
    }
  });
});
