/**
 * The customer tiers' names, as the CRM names them (core/customers/rules.ts TIER_NAMES: the mini-program imports
 * nothing of the core at run time; tests/unit/miniapp-tiers.test.ts keeps the two equal). An unknown code is shown as is.
 */
export const TIER_NAMES: Record<string, { 'zh-CN': string; en: string }> = {
  high_value: { 'zh-CN': '高价值', en: 'High value' },
  potential: { 'zh-CN': '潜力', en: 'Potential' },
  normal: { 'zh-CN': '一般', en: 'Regular' },
  at_risk: { 'zh-CN': '流失风险', en: 'At risk' },
};

export function tierName(code: string, locale: 'zh-CN' | 'en'): string {
  return TIER_NAMES[code]?.[locale] ?? code;
}
