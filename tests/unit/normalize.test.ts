import { normalizeCompanyName, normalizeEmail, normalizePhone } from '../../core/customers/normalize';

describe('normalizePhone', () => {
  it.each([
    ['13812345678', '13812345678'],
    ['+86 138 1234 5678', '13812345678'],
    ['+86-138-1234-5678', '13812345678'],
    ['0086 13812345678', '13812345678'],
    ['86 13812345678', '13812345678'],
    ['138-1234-5678', '13812345678'],
    ['(138) 1234 5678', '13812345678'],
    ['１３８１２３４５６７８'.replace(/[０-９]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)), '13812345678'],
    ['010-12345678', '01012345678'],
    ['+1 415 555 0100', '+14155550100'],
    ['abc', null],
    ['', null],
    [null, null],
    ['123', null],
  ])('%s → %s', (raw, expected) => {
    expect(normalizePhone(raw)).toBe(expected);
  });
});

describe('normalizeEmail', () => {
  it.each([
    ['Sales@Example.CN', 'sales@example.cn'],
    ['  li.na+crm@corp.com ', 'li.na@corp.com'],
    ['mailto:a@b.io', 'a@b.io'],
    ['not-an-email', null],
    ['a@b', null],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeEmail(raw)).toBe(expected);
  });
});

describe('normalizeCompanyName', () => {
  it.each([
    ['远航科技有限公司', '远航科技'],
    ['远航科技股份有限公司', '远航科技'],
    ['远航科技（有限公司）', '远航科技'],
    ['远航科技有限责任公司', '远航科技'],
    [' 远航 科技 ', '远航科技'],
    ['远航科技集团有限公司', '远航科技'],
    ['Acme Co., Ltd.', 'acme'],
    ['ACME Inc.', 'acme'],
    ['Acme Corporation', 'acme'],
    ['Acme, LLC', 'acme'],
    ['Ａｃｍｅ　Ｌｔｄ', 'acme'],
    ['上海远航科技有限公司', '上海远航科技'],
  ])('%s → %s', (raw, expected) => {
    expect(normalizeCompanyName(raw)).toBe(expected);
  });
});
