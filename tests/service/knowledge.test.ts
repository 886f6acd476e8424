// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { describeEachDb } from '../helpers/db';
import { makeWorld, staff, type ServiceWorld } from './fixtures';
import { createArticle, updateArticle, searchArticles, getArticle, articleFeedback } from '../../core/knowledge/operations';
import { queryTerms, documentTerms } from '../../core/knowledge/terms';
import { AppError } from '../../core/errors';

describe('knowledge terms', () => {
  it('Chinese text becomes overlapping bigrams; English words are stemmed and prefixed', () => {
    const d = documentTerms('打印机卡纸 Printers jam');
    expect(d.has('打印')).toBe(true);
    expect(d.has('印机')).toBe(true);
    expect(d.has('机卡')).toBe(true);
    expect(d.has('printer')).toBe(true);
    expect(d.has('p:prin')).toBe(true);
    expect(queryTerms('打印机')).toEqual([['打印'], ['印机']]);
    expect(queryTerms('锁')).toEqual([['u:锁']]);
    expect(queryTerms('printer ')).toEqual([['printer']]);
    expect(queryTerms('how to prin')).toEqual([['how'], ['to'], ['prin', 'p:prin']]);
  });
});

describeEachDb('knowledge base', (h) => {
  let w: ServiceWorld;
  const ids: Record<string, number> = {};
  beforeAll(async () => {
    w = await makeWorld(h.ctx, [['咨询']]);
    const editor = staff(w.agents[0]);
    ids.printer = (await createArticle(h.ctx, editor, { title: '打印机无法连接网络怎么办', body: '请先检查打印机的无线网络设置，然后重新添加打印机。', category: '故障排查', tags: ['打印机', '网络'] })).id;
    ids.jam = (await createArticle(h.ctx, editor, { title: '打印机卡纸处理', body: '打开前盖，取出卡住的纸张。', category: '故障排查', tags: ['打印机'] })).id;
    ids.invoice = (await createArticle(h.ctx, editor, { title: '如何申请增值税发票', body: '在订单页面点击申请发票，填写税号和抬头。', category: '财务', tags: ['发票'] })).id;
    ids.reset = (await createArticle(h.ctx, editor, { title: 'How to reset your password', body: 'Open Settings, choose Account, then Reset password. Passwords must have 8 characters.', category: 'Account', tags: ['login'] })).id;
    ids.draft = (await createArticle(h.ctx, editor, { title: '内部草稿：打印机价格', body: '不公开', status: 'draft' })).id;
  });

  it('finds Chinese text without spaces, best match first, drafts hidden', async () => {
    const r = await searchArticles(h.ctx, w.customerA.actor, { q: '打印机连不上网络' });
    expect(r.items[0].id).toBe(ids.printer);
    expect(r.items[0].score).toBe(1);
    expect(r.items.map((x) => x.id)).not.toContain(ids.draft);
    expect(r.items.map((x) => x.id)).not.toContain(ids.invoice);
    const jam = await searchArticles(h.ctx, w.customerA.actor, { q: '卡纸' });
    expect(jam.items.map((x) => x.id)).toEqual([ids.jam]);
    const inv = await searchArticles(h.ctx, w.customerA.actor, { q: '开发票要税号吗' });
    expect(inv.items[0].id).toBe(ids.invoice);
    expect(inv.items[0].snippet.length).toBeGreaterThan(0);
  });

  it('finds English words, plurals and prefixes while typing', async () => {
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: 'reset password' })).items[0].id).toBe(ids.reset);
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: 'passwords' })).items[0].id).toBe(ids.reset);
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: 'passw' })).items[0].id).toBe(ids.reset);
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: 'RESET' })).items[0].id).toBe(ids.reset);
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: 'zebra' })).items).toEqual([]);
  });

  it('re-indexes on update', async () => {
    await updateArticle(h.ctx, staff(w.agents[0]), { articleId: ids.jam, title: '复印机卡纸处理' });
    expect((await searchArticles(h.ctx, w.customerA.actor, { q: '复印机' })).items[0].id).toBe(ids.jam);
  });

  it('customers cannot edit or read drafts; feedback is one vote per contact, changeable', async () => {
    await expect(createArticle(h.ctx, w.customerA.actor, { title: 'x', body: 'y' })).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(getArticle(h.ctx, w.customerA.actor, ids.draft)).rejects.toBeInstanceOf(AppError);
    const a = await articleFeedback(h.ctx, w.customerA.actor, { articleId: ids.printer, helpful: true, query: '打印机' });
    expect(a).toEqual({ helpful: { yes: 1, no: 0 }, myFeedback: true });
    await Promise.all([articleFeedback(h.ctx, w.customerA.actor, { articleId: ids.printer, helpful: true }), articleFeedback(h.ctx, w.customerB.actor, { articleId: ids.printer, helpful: true })]);
    const b = await articleFeedback(h.ctx, w.customerA.actor, { articleId: ids.printer, helpful: false });
    expect(b.helpful).toEqual({ yes: 1, no: 1 });
    const art = await getArticle(h.ctx, w.customerA.actor, ids.printer);
    expect(art.myFeedback).toBe(false);
    expect(art.helpful).toEqual({ yes: 1, no: 1 });
  });
});
