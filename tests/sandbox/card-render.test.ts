/**
 * @jest-environment jsdom
 *
 * The sandbox page's card renderer (server/sandbox/page/render): what it draws, what it sends back, what it refuses to
 * draw. Every card the bot sends is drawn without a placeholder in tests/bot/card-rules.test.ts (its `expectValid`);
 * here: each element kind, the placeholder for an unknown one, and that card content never becomes markup.
 * jsdom parses the HTML so the assertions are on the DOM the browser would build, not on strings.
 */
import { renderCard, renderText, KNOWN_TAGS } from '../../server/sandbox/page/render/card';
import { renderMarkdown } from '../../server/sandbox/page/render/markdown';
import { button, buttonRow, card, columnSet, datePicker, divider, form, input, markdown, md, note, selectStatic } from '../../bot/cards/kit';
import { ticketCard } from '../../bot/render/tickets';
import { pickListCard, pickItem } from '../../bot/render/customers';
import type { CustomerDto } from '../../core/customers/operations';

const EVIL = `<img src=x onerror="alert(1)">`;
const EVIL2 = `"><script>alert(2)</script><a href="javascript:alert(3)">x</a>`;

function dom(html: string): HTMLElement {
  const div = document.createElement('div');
  div.innerHTML = html;
  return div;
}

/** No element from card data: no script, no img, no on* handler, no javascript: link. */
function expectInert(root: HTMLElement): void {
  expect(root.querySelectorAll('script, img, iframe, object, embed, style, link, meta').length).toBe(0);
  for (const el of Array.from(root.querySelectorAll('*'))) {
    for (const a of Array.from(el.attributes)) {
      expect(a.name.startsWith('on')).toBe(false);
      if (a.name === 'href' || a.name === 'src') expect(a.value).toMatch(/^(https?:|mailto:|tel:)/);
    }
  }
}

describe('sandbox card renderer', () => {
  it('draws a header (title, subtitle, template, tags), markdown, hr, a note and buttons', () => {
    const c = card({ title: '新线索', subtitle: '来自官网', template: 'green', elements: [markdown('**客户**：远航 *急* ~~旧~~ `code`\n- 一\n- 二\n1. 甲'), divider(), note('小字'), button({ text: '认领', type: 'primary', value: { action: 'lead.claim', leadId: 7 } })] });
    (c.header as Record<string, unknown>).text_tag_list = [{ tag: 'text_tag', text: { tag: 'plain_text', content: '高价值' }, color: 'orange' }];
    const r = renderCard(c);
    expect(r.unsupported).toEqual([]);
    const root = dom(r.html);
    expect(root.querySelector('.card-header.tpl-green .title')!.textContent).toBe('新线索高价值');
    expect(root.querySelector('.card-header .subtitle')!.textContent).toBe('来自官网');
    expect(root.querySelector('.tag.tag-orange')!.textContent).toBe('高价值');
    expect(root.querySelector('.md strong')!.textContent).toBe('客户');
    expect(root.querySelector('.md em')!.textContent).toBe('急');
    expect(root.querySelector('.md del')!.textContent).toBe('旧');
    expect(root.querySelector('.md code')!.textContent).toBe('code');
    expect(Array.from(root.querySelectorAll('.md ul li')).map((l) => l.textContent)).toEqual(['一', '二']);
    expect(root.querySelector('.md ol li')!.textContent).toBe('甲');
    expect(root.querySelector('hr')).not.toBeNull();
    expect(root.querySelector('.md.size-notation')!.textContent).toBe('小字');
    const b = root.querySelector('button.btn-primary') as HTMLButtonElement;
    expect(b.textContent).toBe('认领');
    expect(r.controls[Number(b.dataset.ctl)]).toMatchObject({ tag: 'button', value: { action: 'lead.claim', leadId: 7 } });
  });

  it('a form: its fields and its submit button carry the form name; disabled buttons stay disabled', () => {
    const c = card({
      elements: [
        form('followup', [
          input({ name: 'summary', label: '内容', placeholder: '跟进内容', required: true, maxLength: 500, multiline: true }),
          selectStatic({ name: 'channel', options: [{ text: '电话', value: 'phone' }, { text: '拜访', value: 'visit' }], initial: 'visit' }),
          datePicker({ name: 'next_at', initial: '2026-11-30' }),
          buttonRow([button({ text: '提交', type: 'primary', submit: true, value: { action: 'followup.submit' } }), { tag: 'button', text: { tag: 'plain_text', content: '重置' }, name: 'r', form_action_type: 'reset' }]),
        ]),
        button({ text: '已处理', value: { action: 'x' }, disabled: true }),
      ],
    });
    const r = renderCard(c);
    expect(r.unsupported).toEqual([]);
    const root = dom(r.html);
    const f = root.querySelector('form[data-form="followup"]')!;
    const ctl = (sel: string) => r.controls[Number((f.querySelector(sel) as HTMLElement).dataset.ctl)];
    expect(ctl('textarea')).toMatchObject({ tag: 'input', name: 'summary', form: 'followup' });
    expect((f.querySelector('textarea') as HTMLTextAreaElement).maxLength).toBe(500);
    expect(f.querySelector('.field-label')!.textContent).toBe('内容*');
    expect(ctl('select')).toMatchObject({ tag: 'select_static', name: 'channel', form: 'followup' });
    expect((f.querySelector('select') as HTMLSelectElement).value).toBe('visit');
    expect(ctl('input[type=date]')).toMatchObject({ tag: 'date_picker', name: 'next_at' });
    expect((f.querySelector('input[type=date]') as HTMLInputElement).value).toBe('2026-11-30');
    expect(ctl('button[data-form-action=submit]')).toMatchObject({ tag: 'button', formAction: 'submit', form: 'followup', value: { action: 'followup.submit' } });
    expect(ctl('button[data-form-action=reset]')).toMatchObject({ formAction: 'reset' });
    const off = Array.from(root.querySelectorAll('button')).find((x) => x.textContent === '已处理') as HTMLButtonElement;
    expect(off.disabled).toBe(true);
    expect(r.controls[Number(off.dataset.ctl)].form).toBeUndefined();
  });

  it('columns keep their weights and auto widths; collapsible panels, persons, images, tables, pickers', () => {
    const r = renderCard({
      schema: '2.0',
      config: { update_multi: true },
      body: {
        elements: [
          columnSet([[markdown('L')], { elements: [markdown('R')], weight: 3 }, { elements: [markdown('A')], width: 'auto' }]),
          { tag: 'collapsible_panel', expanded: true, header: { title: { tag: 'markdown', content: '**明细**' } }, elements: [markdown('里面')] },
          { tag: 'person', user_id: 'ou_1' },
          { tag: 'person_list', persons: [{ id: 'ou_1' }, { id: 'ou_2' }] },
          { tag: 'img', img_key: 'img_v2_x', alt: { tag: 'plain_text', content: '现场照片' } },
          { tag: 'table', columns: [{ name: 'n', display_name: '客户', data_type: 'text' }, { name: 'a', display_name: '金额', data_type: 'number' }, { name: 't', display_name: '标签', data_type: 'options' }], rows: [{ n: '远航', a: 1200, t: [{ text: '高价值', color: 'red' }] }] },
          { tag: 'multi_select_static', name: 'm', options: [{ text: { tag: 'plain_text', content: 'A' }, value: 'a' }], selected_values: ['a'] },
          { tag: 'picker_time', name: 't', initial_time: '09:30' },
          { tag: 'picker_datetime', name: 'dt', initial_datetime: '2026-12-08 09:30' },
          { tag: 'div', text: { tag: 'plain_text', content: '纯文本' } },
        ],
      },
    }, { nameOf: (id) => ({ ou_1: '王伟', ou_2: '李娜' })[id] });
    expect(r.unsupported).toEqual([]);
    const root = dom(r.html);
    const cols = Array.from(root.querySelectorAll('.cols > .col')) as HTMLElement[];
    expect(cols.map((c) => c.style.flex)).toEqual(['1 1 0px', '3 1 0px', '0 0 auto']);
    expect((root.querySelector('details') as HTMLDetailsElement).open).toBe(true);
    expect(root.querySelector('details summary strong')!.textContent).toBe('明细');
    expect(Array.from(root.querySelectorAll('.person .pname')).map((p) => p.textContent)).toEqual(['王伟', '王伟', '李娜']);
    expect(root.querySelector('.img-ph')!.textContent).toContain('现场照片');
    expect(Array.from(root.querySelectorAll('th')).map((t) => t.textContent)).toEqual(['客户', '金额', '标签']);
    expect(root.querySelector('td .tag-red')!.textContent).toBe('高价值');
    expect((root.querySelector('select[multiple]') as HTMLSelectElement).selectedOptions[0].value).toBe('a');
    expect((root.querySelector('input[type=time]') as HTMLInputElement).value).toBe('09:30');
    expect((root.querySelector('input[type=datetime-local]') as HTMLInputElement).value).toBe('2026-12-08T09:30');
    expect(root.textContent).toContain('纯文本');
  });

  it('charts: funnel, bar, line and pie as inline SVG; another chart type is a reported placeholder', () => {
    const values = [{ stage: '初步接洽', n: 40 }, { stage: '方案报价', n: 22 }, { stage: '赢单', n: 7 }];
    const charts = [
      { type: 'funnel', data: [{ values }], categoryField: 'stage', valueField: 'n', title: { text: '销售漏斗' } },
      { type: 'bar', data: { values }, xField: 'stage', yField: 'n' },
      { type: 'bar', data: { values }, xField: 'n', yField: 'stage', direction: 'horizontal' },
      { type: 'line', data: { values: [{ m: '1月', v: 3, s: '赢单' }, { m: '2月', v: 5, s: '赢单' }, { m: '1月', v: 1, s: '输单' }] }, xField: 'm', yField: 'v', seriesField: 's' },
      { type: 'area', data: { values }, xField: 'stage', yField: 'n' },
      { type: 'pie', data: { values }, categoryField: 'stage', valueField: 'n', innerRadius: 0.5 },
    ];
    for (const spec of charts) {
      const r = renderCard({ schema: '2.0', body: { elements: [{ tag: 'chart', chart_spec: spec }] } });
      expect(r.unsupported).toEqual([]);
      const root = dom(r.html);
      expect(root.querySelector('figure.chart svg')).not.toBeNull();
      expect(root.querySelectorAll('svg rect, svg path, svg circle').length).toBeGreaterThan(2);
      if (spec.type !== 'line') expect(root.textContent).toContain(spec.type === 'pie' ? '初步接洽 58%' : '方案报价');
    }
    expect(dom(renderCard({ schema: '2.0', body: { elements: [{ tag: 'chart', chart_spec: charts[0] }] } }).html).querySelector('figcaption')!.textContent).toBe('销售漏斗');
    const radar = renderCard({ schema: '2.0', body: { elements: [{ tag: 'chart', chart_spec: { type: 'radar', data: { values } } }] } });
    expect(radar.unsupported).toEqual(['chart:radar']);
  });

  it('an element it does not know is a labelled placeholder, reported, never dropped (also nested)', () => {
    const r = renderCard(card({ elements: [markdown('前'), { tag: 'blink', text: 'x' }, columnSet([[{ tag: 'hologram' }]]), markdown('后')] }));
    expect(r.unsupported).toEqual(['blink', 'hologram']);
    const root = dom(r.html);
    expect(Array.from(root.querySelectorAll('.unsupported')).map((e) => e.textContent)).toEqual(['[不支持的元素: blink]', '[不支持的元素: hologram]']);
    expect(root.textContent).toMatch(/前[\s\S]*blink[\s\S]*hologram[\s\S]*后/);
    expect(dom(renderCard(card({ elements: [{ tag: 'blink' }] }), { locale: 'en' }).html).textContent).toContain('[unsupported element: blink]');
    expect(renderCard('not a card').unsupported).toEqual(['card']);
  });

  it('i18n: the viewer’s locale block is shown (i18n_content, i18n_title), Chinese by default', () => {
    const c = {
      schema: '2.0',
      config: { update_multi: true, locales: ['zh_cn', 'en_us'] },
      header: { title: { tag: 'plain_text', content: '标题', i18n_content: { zh_cn: '标题', en_us: 'Title' } }, template: 'blue' },
      body: { elements: [{ tag: 'markdown', content: '', i18n_content: { zh_cn: '你好', en_us: 'Hello' } }] },
    };
    expect(dom(renderCard(c).html).textContent).toBe('标题你好');
    expect(dom(renderCard(c, { locale: 'en' }).html).textContent).toBe('TitleHello');
  });

  it('card content never becomes markup: a customer named <img onerror=…> is text everywhere it appears', () => {
    const customer = { id: 1, name: EVIL, phone: null, email: null, ownerId: 1, ownerName: EVIL2, inPool: false, tier: 'normal', region: EVIL, industry: null } as unknown as CustomerDto;
    const cards = [
      ticketCard({ ticketId: 1, no: 'T000001', title: EVIL, description: EVIL2, typeLabel: EVIL, priority: 'high', status: 'assigned', customerName: EVIL, contactName: EVIL2, agentName: EVIL, firstResponseDueAt: null, resolutionDueAt: null }, { locale: 'zh-CN', zone: 'Asia/Shanghai' }),
      pickListCard(EVIL, [pickItem(customer)], 'zh-CN'),
      // Raw kit calls as a careless builder might write them (no md()): still text.
      card({
        title: EVIL,
        subtitle: EVIL2,
        elements: [
          markdown(`客户 ${EVIL} ${EVIL2} [点我](javascript:alert(4)) [x](data:text/html,hi) <font color="red" onclick="x">红</font>`),
          button({ text: EVIL, value: { action: 'a', name: EVIL } }),
          form('f', [selectStatic({ name: 's', placeholder: EVIL, options: [{ text: EVIL, value: EVIL2 }] }), input({ name: 'i', placeholder: EVIL2, defaultValue: EVIL2, label: EVIL }), button({ text: 'ok', submit: true, value: { action: 'b' } })]),
        ],
      }),
      { schema: '2.0', header: { title: { tag: 'lark_md', content: EVIL }, template: `x" onmouseover="alert(5)` }, body: { elements: [{ tag: 'table', columns: [{ name: 'n', display_name: EVIL, data_type: 'lark_md' }], rows: [{ n: EVIL2 }] }, { tag: 'person', user_id: EVIL }, { tag: 'img', alt: { tag: 'plain_text', content: EVIL2 } }, { tag: 'chart', chart_spec: { type: 'bar', title: { text: EVIL }, data: { values: [{ x: EVIL2, y: 1 }] }, xField: 'x', yField: 'y' } }, { tag: EVIL }] } },
    ];
    for (const c of cards) {
      const r = renderCard(c, { nameOf: () => EVIL });
      const root = dom(r.html);
      expectInert(root);
      expect(root.textContent).toContain('<img src=x onerror="alert(1)">');
    }
    const md1 = dom(renderMarkdown(`[点我](javascript:alert(4))`));
    expect(md1.querySelector('a')).toBeNull();
    expect(md1.textContent).toBe('点我');
    expect(dom(renderMarkdown('[维基](https://zh.wikipedia.org/wiki/A_(B)) 后')).querySelector('a')!.getAttribute('href')).toBe('https://zh.wikipedia.org/wiki/A_(B)');
    expect(dom(renderMarkdown('[官网](https://example.com/a?b=1&c=2)')).querySelector('a')!.getAttribute('href')).toBe('https://example.com/a?b=1&c=2');
  });

  it('md()-escaped user text is shown literally (&#42;&#42; is two stars, not bold; <at> is not a mention)', () => {
    const root = dom(renderMarkdown(`客户：${md('**大客户** <at id=all></at> [a](b) # 1_2')}`));
    expect(root.querySelector('strong, a, .at')).toBeNull();
    expect(root.textContent).toBe('客户：**大客户** <at id=all></at> [a](b) # 1_2');
    const at = dom(renderMarkdown('<at id=ou_1></at> 与 <at id=all></at>', { nameOf: (id) => (id === 'ou_1' ? '王伟' : null) }));
    expect(Array.from(at.querySelectorAll('.at')).map((a) => a.textContent)).toEqual(['@王伟', '@所有人']);
    expect(dom(renderMarkdown('a<br>b\nc')).querySelectorAll('br').length).toBe(2);
  });

  it('text messages: escaped, mentions named, line breaks kept', () => {
    const root = dom(renderText(`${EVIL}\n<at user_id="ou_1">Tom</at> hi`, { nameOf: () => '王伟' }));
    expectInert(root);
    expect(root.textContent).toBe(`${EVIL}@王伟 hi`);
    expect(root.querySelectorAll('br').length).toBe(1);
    const link = dom(renderText('链接：https://crm.example.com/?invite=AB12CD34&x=1，有效期 7 天\njavascript:alert(1)'));
    expectInert(link);
    expect(link.querySelector('a')!.getAttribute('href')).toBe('https://crm.example.com/?invite=AB12CD34&x=1');
    expect(link.querySelectorAll('a').length).toBe(1);
    expect(link.textContent).toBe('链接：https://crm.example.com/?invite=AB12CD34&x=1，有效期 7 天javascript:alert(1)');
  });

  it('knows every component of the Card JSON 2.0 rules (server/sandbox/lark/card)', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { COMPONENTS, DEPRECATED_TAGS } = require('../../server/sandbox/lark/card/rules') as { COMPONENTS: Record<string, unknown>; DEPRECATED_TAGS: Set<string> };
    expect(Object.keys(COMPONENTS).filter((t) => !(KNOWN_TAGS as readonly string[]).includes(t))).toEqual([]);
    expect([...DEPRECATED_TAGS].filter((t) => t !== 'action' && !(KNOWN_TAGS as readonly string[]).includes(t))).toEqual([]);
  });
});
