import { checkRow, guessMapping, parseSize } from '../../core/leads/import-rules';

describe('guessMapping', () => {
  it.each([
    [['公司名称', '联系人', '手机号码', '电子邮箱', '省份', '行业', '公司规模', '渠道', '市场活动', '备注'],
      { company: 0, contactName: 1, phone: 2, email: 3, region: 4, industry: 5, companySize: 6, source: 7, campaign: 8, message: 9 }],
    [['Company', 'Full Name', 'Phone Number', 'Email Address', 'City', 'Sector', 'Employees', 'Lead Source', 'utm_campaign', 'Notes'],
      { company: 0, contactName: 1, phone: 2, email: 3, region: 4, industry: 5, companySize: 6, source: 7, campaign: 8, message: 9 }],
    [['客户公司名称', '联系人姓名', '联系电话（手机）'], { company: 0, contactName: 1, phone: 2 }],
    [['ＣＯＭＰＡＮＹ', 'E-Mail', ' 姓名 '], { company: 0, email: 1, contactName: 2 }],
  ])('%j', (headers, expected) => {
    expect(guessMapping(headers).mapping).toEqual(expected);
  });

  it('overrides win and unknown columns are reported', () => {
    const r = guessMapping(['单位', '手机', '座机', '爱好'], { phone: '座机' });
    expect(r.mapping).toEqual({ company: 0, phone: 2 });
    expect(r.unmapped).toEqual(['手机', '爱好']);
    expect(() => guessMapping(['a'], { phone: 'b' })).toThrow('no column');
    expect(() => guessMapping(['a'], { shoe: 'a' })).toThrow('unknown import field');
  });
});

describe('checkRow', () => {
  const m = { company: 0, phone: 1, email: 2, companySize: 3 };
  const d = { source: 'import', campaign: null };
  it('normalises like customers and collects every error with its field', () => {
    expect(checkRow(['远航科技有限公司', '+86 138-0000-0001', 'A@B.cn', '1,200+'], 2, m, d)).toMatchObject({
      norms: { name: '远航科技', phone: '13800000001', email: 'a@b.cn' }, input: { companySize: 1200, source: 'import' }, errors: [],
    });
    const bad = checkRow(['', '12', 'nope', 'many'], 3, m, d);
    expect(bad.input).toBeNull();
    expect(bad.errors.map((e) => e.field)).toEqual(['companySize', 'phone', 'email', 'company']);
  });
  it('parses sizes', () => {
    expect([parseSize('500人'), parseSize('50-200'), parseSize('约 1,000'), parseSize('n/a')]).toEqual([500, 50, 1000, null]);
  });
});
