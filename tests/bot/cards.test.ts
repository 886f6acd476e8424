import { button, buttonRow, card, cardBytes, columnSet, datePicker, divider, fitsLimit, form, input, markdown, md, note, selectStatic, CARD_LIMIT_BYTES } from '../../bot/cards/kit';
import { helpCard } from '../../bot/render/builtin';
import { t, toLocale } from '../../bot/i18n';
import { normalizeCardAction, normalizeLegacyCardAction, normalizeMessage, stripMentions } from '../../bot/normalize';
import { composeBot } from '../../bot/compose';
import { cardActionEvent, legacyCardBody, messageEvent } from '../helpers/fake-lark';
import type { CoreContext } from '../../core/context';

describe('Card JSON 2.0 builders', () => {
  it('builds a card with header, markdown, hr, note and a callback button', () => {
    const c = card({
      title: '新线索',
      template: 'green',
      elements: [markdown('**客户**：远航科技'), divider(), note('来自官网'), button({ text: '认领', type: 'primary', value: { action: 'lead.claim', leadId: 7, key: 'lead:7' } })],
    });
    expect(c).toEqual({
      schema: '2.0',
      config: { update_multi: true },
      header: { title: { tag: 'plain_text', content: '新线索' }, template: 'green' },
      body: {
        elements: [
          { tag: 'markdown', content: '**客户**：远航科技' },
          { tag: 'hr' },
          { tag: 'markdown', content: '来自官网', text_size: 'notation' },
          { tag: 'button', text: { tag: 'plain_text', content: '认领' }, type: 'primary', behaviors: [{ type: 'callback', value: { action: 'lead.claim', leadId: 7, key: 'lead:7' } }] },
        ],
      },
    });
  });

  it('drops falsy elements and omits the header without a title', () => {
    expect(card({ elements: [markdown('a'), null, false, undefined] })).toEqual({ schema: '2.0', config: { update_multi: true }, body: { elements: [{ tag: 'markdown', content: 'a' }] } });
  });

  it('builds a form with input, select_static, date_picker and a submit button', () => {
    const f = form('followup', [
      input({ name: 'summary', placeholder: '跟进内容', required: true, maxLength: 500 }),
      selectStatic({ name: 'channel', options: [{ text: '电话', value: 'phone' }, { text: '拜访', value: 'visit' }], initial: 'phone' }),
      datePicker({ name: 'next_at', initial: '2026-11-30' }),
      button({ text: '提交', type: 'primary', submit: true, value: { action: 'followup.submit' } }),
    ]);
    expect(f).toEqual({
      tag: 'form',
      name: 'followup',
      elements: [
        { tag: 'input', name: 'summary', placeholder: { tag: 'plain_text', content: '跟进内容' }, required: true, max_length: 500 },
        { tag: 'select_static', name: 'channel', options: [{ text: { tag: 'plain_text', content: '电话' }, value: 'phone' }, { text: { tag: 'plain_text', content: '拜访' }, value: 'visit' }], initial_option: 'phone' },
        { tag: 'date_picker', name: 'next_at', initial_date: '2026-11-30' },
        { tag: 'button', text: { tag: 'plain_text', content: '提交' }, type: 'primary', name: 'submit', form_action_type: 'submit', behaviors: [{ type: 'callback', value: { action: 'followup.submit' } }] },
      ],
    });
  });

  it('builds column sets and button rows', () => {
    expect(columnSet([[markdown('L')], { elements: [markdown('R')], weight: 2 }])).toEqual({
      tag: 'column_set',
      flex_mode: 'none',
      horizontal_spacing: 'medium',
      columns: [
        { tag: 'column', width: 'weighted', weight: 1, vertical_align: 'top', elements: [{ tag: 'markdown', content: 'L' }] },
        { tag: 'column', width: 'weighted', weight: 2, vertical_align: 'top', elements: [{ tag: 'markdown', content: 'R' }] },
      ],
    });
    const row = buttonRow([button({ text: 'A', value: { action: 'a' } })]);
    expect(row).toMatchObject({ tag: 'column_set', flex_mode: 'flow', columns: [{ tag: 'column', width: 'auto' }] });
    expect((row.columns as Record<string, unknown>[])[0]).not.toHaveProperty('weight');
  });

  it('escapes user text for markdown', () => {
    expect(md('<at id=all></at> **x** [a](b)')).toBe('&lt;at id=all&gt;&lt;/at&gt; &#42;&#42;x&#42;&#42; &#91;a&#93;(b)');
  });

  it('checks the 30 KB limit in UTF-8 bytes', () => {
    const small = card({ elements: [markdown('中'.repeat(10_000))] }); // ~30,000 bytes of text + JSON
    expect(cardBytes(small)).toBeGreaterThan(30_000);
    expect(fitsLimit(card({ elements: [markdown('x'.repeat(20_000))] }))).toBe(true);
    expect(fitsLimit(card({ elements: [markdown('中'.repeat(11_000))] }))).toBe(false);
    expect(CARD_LIMIT_BYTES).toBe(30 * 1024);
  });
});

describe('help card and text renderer', () => {
  const registry = composeBot();
  const { render } = registry;
  const ctx = (locale: 'zh-CN' | 'en') => ({ locale, core: {} as CoreContext });
  it('lists what the bot can do, in zh-CN by default and in English', async () => {
    const zh = helpCard('zh-CN');
    expect(zh.header?.title.content).toBe('CRM 助手能做什么');
    const zhText = JSON.stringify(zh);
    for (const s of ['记录跟进', '新建线索', '查询客户', '创建任务', '认领', '帮助']) expect(zhText).toContain(s);
    const en = JSON.stringify(helpCard('en'));
    for (const s of ['Log a follow-up', 'Create a lead', 'Find a customer', 'Claim']) expect(en).toContain(s);
    expect(fitsLimit(zh)).toBe(true);
    expect(await render('help', {}, ctx('en'))).toEqual({ msg_type: 'interactive', content: helpCard('en', registry.helpEntries()) });
    // every capability's lines are on it, after the built-in ones
    expect(registry.helpEntries().map((e) => e.id)).toEqual(expect.arrayContaining(['log_followup', 'help', 'mp.invite', 'contract.new', 'checkin', 'lead_import']));
    expect(await render('text', { text: 'hi' }, ctx('zh-CN'))).toEqual({ msg_type: 'text', content: { text: 'hi' } });
  });
  it('i18n helper', () => {
    expect(t('en', { 'zh-CN': '你好', en: 'hi' })).toBe('hi');
    expect(t(undefined, { 'zh-CN': '你好', en: 'hi' })).toBe('你好');
    expect(toLocale('en-US')).toBe('en');
    expect(toLocale('zh_CN')).toBe('zh-CN');
    expect(toLocale(null, 'en')).toBe('en');
  });
});

describe('normalisation at the edge', () => {
  it('text: strips mentions and whitespace', () => {
    const env = messageEvent({ openId: 'ou_1', text: '@_user_1  查 华为 ', mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'CRM' }], chatType: 'group', chatId: 'oc_g' });
    expect(normalizeMessage(env)).toMatchObject({ type: 'text', text: '查 华为', openId: 'ou_1', chatId: 'oc_g', chatType: 'group', eventId: env.header.event_id });
    expect(stripMentions('@_all 大家好', [])).toBe('大家好');
  });
  it('post: title and paragraphs flattened, links kept as text, mentions dropped; locale-wrapped posts too', () => {
    const content = { title: '周报', content: [[{ tag: 'at', user_id: '@_user_1' }, { tag: 'text', text: ' 拜访了 ' }, { tag: 'a', text: '远航', href: 'https://x' }], [{ tag: 'text', text: '下周跟进' }]] };
    const env = messageEvent({ openId: 'ou_1', messageType: 'post', content, mentions: [{ key: '@_user_1', id: { open_id: 'ou_bot' }, name: 'CRM' }] });
    expect(normalizeMessage(env)).toMatchObject({ type: 'text', text: '周报\n拜访了 远航\n下周跟进' });
    const wrapped = messageEvent({ openId: 'ou_1', messageType: 'post', content: { zh_cn: content } });
    expect(normalizeMessage(wrapped)?.text).toContain('下周跟进');
  });
  it('image, file and location', () => {
    expect(normalizeMessage(messageEvent({ openId: 'o', messageType: 'image', content: { image_key: 'img_1' } }))).toMatchObject({ type: 'image', image: { imageKey: 'img_1' } });
    expect(normalizeMessage(messageEvent({ openId: 'o', messageType: 'file', content: { file_key: 'f_1', file_name: 'a.pdf' } }))).toMatchObject({ type: 'file', file: { fileKey: 'f_1', fileName: 'a.pdf' } });
    expect(normalizeMessage(messageEvent({ openId: 'o', messageType: 'location', content: { name: '上海', latitude: '31.2', longitude: '121.5' } }))).toMatchObject({
      type: 'location',
      location: { name: '上海', latitude: 31.2, longitude: 121.5 },
    });
  });
  it('ignores other bots, unsupported types and empty text', () => {
    expect(normalizeMessage(messageEvent({ openId: 'o', text: 'hi', senderType: 'app' }))).toBeNull();
    expect(normalizeMessage(messageEvent({ openId: 'o', messageType: 'sticker', content: { file_key: 'x' } }))).toBeNull();
    expect(normalizeMessage(messageEvent({ openId: 'o', text: '@_user_1', mentions: [{ key: '@_user_1', id: { open_id: 'b' }, name: 'b' }] }))).toBeNull();
  });
  it('card actions (new and legacy) carry value, form values and context', () => {
    const env = cardActionEvent({ openId: 'ou_1', value: { action: 'lead.claim', id: 3 }, formValue: { note: 'x' }, messageId: 'om_1', chatId: 'oc_1' });
    expect(normalizeCardAction(env)).toMatchObject({ openId: 'ou_1', value: { action: 'lead.claim', id: 3 }, formValue: { note: 'x' }, openMessageId: 'om_1', chatId: 'oc_1', eventId: env.header.event_id });
    expect(normalizeCardAction(cardActionEvent({ openId: 'ou_1', value: { noAction: true } }))).toBeNull();
    expect(normalizeLegacyCardAction(legacyCardBody({ openId: 'ou_2', value: { action: 'x' } }))).toMatchObject({ openId: 'ou_2', value: { action: 'x' }, eventId: '' });
  });
});
