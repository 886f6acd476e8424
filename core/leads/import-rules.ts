import { normalizeCompanyName, normalizeEmail, normalizePhone, toHalfWidth } from '../customers/normalize';
import type { LeadFields } from './schemas';
import { problemText, textProblem } from '../shared/input';

/** Pure rules of lead import: column mapping guesses (Chinese and English headers) and row validation. */

export const IMPORT_FIELDS = ['company', 'contactName', 'title', 'phone', 'email', 'region', 'industry', 'skill', 'companySize', 'source', 'campaign', 'message'] as const satisfies readonly (keyof LeadFields)[];
export type ImportField = (typeof IMPORT_FIELDS)[number];
/** field → column index in the file. */
export type Mapping = Partial<Record<ImportField, number>>;

const SYNONYMS: Record<ImportField, string[]> = {
  company: ['公司', '公司名称', '公司名', '企业', '企业名称', '客户', '客户名称', '客户公司', '单位', '单位名称', '机构', 'company', 'companyname', 'organization', 'organisation', 'account', 'accountname', 'business', 'org'],
  contactName: ['联系人', '联系人姓名', '姓名', '名字', '客户姓名', '负责人', 'contact', 'contactname', 'name', 'fullname', 'person'],
  title: ['职位', '职务', '头衔', '岗位', 'title', 'jobtitle', 'position', 'role'],
  phone: ['电话', '手机', '手机号', '手机号码', '联系电话', '电话号码', '联系方式', '座机', 'phone', 'mobile', 'tel', 'telephone', 'cell', 'phonenumber', 'mobilephone'],
  email: ['邮箱', '电子邮件', '电子邮箱', '邮件', '邮箱地址', 'email', 'e-mail', 'mail', 'emailaddress'],
  region: ['地区', '区域', '省份', '省', '城市', '所在地', '地址', 'region', 'area', 'province', 'city', 'state', 'location'],
  industry: ['行业', '所属行业', '行业类别', 'industry', 'sector', 'vertical'],
  skill: ['产品', '意向产品', '需求', '技能', 'skill', 'product', 'interest'],
  companySize: ['规模', '公司规模', '企业规模', '人数', '员工数', '员工人数', 'size', 'companysize', 'employees', 'headcount', 'staff'],
  source: ['来源', '线索来源', '渠道', '来源渠道', 'source', 'leadsource', 'channel'],
  campaign: ['活动', '市场活动', '推广活动', '活动名称', 'campaign', 'utmcampaign', 'campaignname'],
  message: ['备注', '留言', '说明', '描述', '需求描述', 'notes', 'note', 'message', 'comment', 'comments', 'remarks', 'description'],
};

export const normHeader = (h: string) => toHalfWidth(String(h ?? '')).toLowerCase().replace(/[\s_\-.:：()（）*]/g, '').replace(/^e-?mail/, 'email');

/**
 * Guesses which column holds which field: exact synonym matches first, then headers containing a Chinese
 * synonym (客户公司名称 → company). Each field and each column is used once. `overrides` (from --mapping
 * "phone=手机号,company=单位") win.
 */
export function guessMapping(headers: string[], overrides: Record<string, string> = {}): { mapping: Mapping; unmapped: string[] } {
  const normed = headers.map(normHeader);
  const mapping: Mapping = {};
  const used = new Set<number>();
  for (const [field, header] of Object.entries(overrides)) {
    if (!(IMPORT_FIELDS as readonly string[]).includes(field)) throw new Error(`unknown import field "${field}" (fields: ${IMPORT_FIELDS.join(', ')})`);
    const i = normed.indexOf(normHeader(header));
    if (i === -1) throw new Error(`no column "${header}" for ${field}`);
    mapping[field as ImportField] = i;
    used.add(i);
  }
  const pass = (test: (h: string, syn: string) => boolean) => {
    for (const field of IMPORT_FIELDS) {
      if (mapping[field] !== undefined) continue;
      const i = normed.findIndex((h, idx) => !used.has(idx) && h && SYNONYMS[field].some((s) => test(h, normHeader(s))));
      if (i !== -1) {
        mapping[field] = i;
        used.add(i);
      }
    }
  };
  pass((h, s) => h === s);
  pass((h, s) => /[\u4e00-\u9fa5]/.test(s) && s.length >= 2 && h.includes(s));
  return { mapping, unmapped: headers.filter((_, i) => !used.has(i)) };
}

/** A valid import row: a lead's captured fields (core/leads/schemas.ts). */
export type RowInput = LeadFields;

export interface CheckedRow {
  /** 1-based line in the file, header = line 1. */
  line: number;
  input: RowInput | null;
  norms: { name: string; phone: string | null; email: string | null } | null;
  errors: Array<{ field: string; zh: string; en: string }>;
}

const LIMITS: Partial<Record<ImportField, number>> = { company: 200, contactName: 100, title: 100, phone: 32, email: 190, region: 64, industry: 64, skill: 64, source: 32, campaign: 64, message: 5000 };

/** "500人" / "1,000+" / "50-200" (upper bound kept low: the first number) → employees. */
export function parseSize(raw: string): number | null {
  const m = /(\d[\d,]*)/.exec(raw.replace(/\s/g, ''));
  if (!m) return null;
  const n = parseInt(m[1].replace(/,/g, ''), 10);
  return Number.isFinite(n) ? n : null;
}

export function checkRow(cells: string[], line: number, mapping: Mapping, defaults: { source: string; campaign: string | null }): CheckedRow {
  const refused = new Set<ImportField>();
  const get = (f: ImportField) => {
    const i = mapping[f];
    const v = i === undefined || refused.has(f) ? '' : String(cells[i] ?? '').trim();
    return v || null;
  };
  const errors: CheckedRow['errors'] = [];
  for (const f of IMPORT_FIELDS) {
    const v = get(f);
    const max = LIMITS[f];
    const bad = v ? textProblem(v) : null;
    if (bad) {
      const col = mapping[f]! + 1;
      errors.push({ field: f, zh: `第 ${col} 列（${f}）${problemText(bad)['zh-CN']}`, en: `column ${col} (${f}) ${problemText(bad).en}` });
      refused.add(f); // never echoed back in the report
      continue;
    }
    if (v && max && v.length > max) errors.push({ field: f, zh: `「${f}」超过 ${max} 个字符`, en: `${f} is longer than ${max} characters` });
  }
  const input: RowInput = {
    company: get('company'), contactName: get('contactName'), title: get('title'), phone: get('phone'), email: get('email'),
    region: get('region'), industry: get('industry'), skill: get('skill'), companySize: null,
    source: get('source') ?? defaults.source, campaign: get('campaign') ?? defaults.campaign, message: get('message'),
  };
  const size = get('companySize');
  if (size) {
    input.companySize = parseSize(size);
    if (input.companySize === null) errors.push({ field: 'companySize', zh: `公司规模「${size}」不是数字`, en: `company size "${size}" is not a number` });
  }
  const phone = normalizePhone(input.phone);
  if (input.phone && !phone) errors.push({ field: 'phone', zh: `手机号「${input.phone}」格式不正确`, en: `phone "${input.phone}" is not valid` });
  const email = normalizeEmail(input.email);
  if (input.email && !email) errors.push({ field: 'email', zh: `邮箱「${input.email}」格式不正确`, en: `e-mail "${input.email}" is not valid` });
  if (!input.company && !input.contactName) errors.push({ field: 'company', zh: '缺少公司名称或联系人', en: 'company or contact name is required' });
  else if (!input.company && !input.phone && !input.email) errors.push({ field: 'phone', zh: '没有公司名称时需要电话或邮箱', en: 'a phone or e-mail is required without a company' });
  const name = normalizeCompanyName(input.company);
  if (input.company && !name) errors.push({ field: 'company', zh: `公司名称「${input.company}」无效`, en: `company "${input.company}" is not usable` });
  return errors.length ? { line, input: null, norms: null, errors } : { line, input, norms: { name, phone, email }, errors };
}
