import { esc, attr, safeUrl, token } from './escape';
import { renderMarkdown, renderInline, type MarkdownOptions } from './markdown';
import { renderChart } from './chart';

/**
 * Card JSON 2.0 → an HTML string the sandbox page puts in the chat (pure: no DOM, unit-tested in node).
 *
 *   const r = renderCard(card, { locale: 'zh-CN', nameOf });
 *   r.html          the card, every text escaped (escape.ts)
 *   r.controls      the interactive components, by the `data-ctl` index their HTML carries: what a click or a submit
 *                   sends back as card.action.trigger (value, tag, name, the form it belongs to)
 *   r.unsupported   every tag it could not render (shown as "[不支持的元素: tag]", never dropped): tests fail on it
 *
 * The element set is the one of the Card JSON 2.0 rules (server/sandbox/lark/card/rules.ts).
 */
export type Locale = 'zh-CN' | 'en';

export interface RenderOptions {
  locale?: Locale;
  /** A person's display name from an open_id / user_id (mentions, person, person_list). */
  nameOf?: (id: string) => string | null | undefined;
}

export interface Control {
  id: number;
  tag: string;
  name?: string;
  /** The callback value (behaviors[type=callback].value, or the legacy `value`). */
  value?: unknown;
  /** The enclosing form's name. */
  form?: string;
  formAction?: 'submit' | 'reset';
  url?: string;
  confirm?: { title: string; text: string };
  disabled?: boolean;
}

export interface RenderedCard {
  html: string;
  controls: Control[];
  unsupported: string[];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => !!v && typeof v === 'object' && !Array.isArray(v);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** The tags this renderer draws (the page's README and the tests list them). */
export const KNOWN_TAGS = [
  'markdown', 'lark_md', 'plain_text', 'div', 'hr', 'note', 'column_set', 'column', 'form', 'collapsible_panel', 'interactive_container',
  'button', 'input', 'select_static', 'multi_select_static', 'select_person', 'multi_select_person', 'overflow', 'checker',
  'date_picker', 'picker_time', 'picker_datetime', 'img', 'img_combination', 'select_img', 'person', 'person_list', 'table', 'chart', 'audio',
] as const;

const LOCALE_KEYS: Record<Locale, string[]> = { 'zh-CN': ['zh_cn', 'zh_hk', 'zh_tw', 'en_us'], en: ['en_us', 'zh_cn'] };

class Ctx {
  controls: Control[] = [];
  unsupported: string[] = [];
  constructor(readonly o: Required<Pick<RenderOptions, 'locale'>> & RenderOptions) {}
  get md(): MarkdownOptions {
    return { nameOf: this.o.nameOf, locale: this.o.locale };
  }
  L(zh: string, en: string): string {
    return this.o.locale === 'en' ? en : zh;
  }
  /** A per-locale block (`i18n_content`, `i18n_elements`, …) → the viewer's entry, else null. */
  pick<T>(m: unknown): T | null {
    if (!isObj(m)) return null;
    for (const k of LOCALE_KEYS[this.o.locale]) if (m[k] !== undefined) return m[k] as T;
    return null;
  }
  /** A text object {tag: plain_text | lark_md | markdown, content, i18n_content} or a bare string → inline HTML. */
  text(t: unknown): string {
    if (typeof t === 'string') return esc(t);
    if (!isObj(t)) return '';
    const content = this.pick<string>(t.i18n_content) ?? t.content ?? '';
    return t.tag === 'lark_md' || t.tag === 'markdown' ? renderInline(content, this.md) : esc(content);
  }
  /** The plain string of a text object (attributes, placeholders, confirm texts). */
  plain(t: unknown): string {
    if (typeof t === 'string') return t;
    if (!isObj(t)) return '';
    return String(this.pick<string>(t.i18n_content) ?? t.content ?? '');
  }
  control(c: Omit<Control, 'id'>): number {
    const id = this.controls.length;
    this.controls.push({ id, ...c });
    return id;
  }
  placeholder(tag: string): string {
    this.unsupported.push(tag);
    return `<div class="unsupported" data-unsupported="${attr(tag)}">${esc(this.L(`[不支持的元素: ${tag}]`, `[unsupported element: ${tag}]`))}</div>`;
  }
}

interface Scope {
  form?: string;
}

function callbackValue(el: Obj): { value?: unknown; url?: string } {
  let value: unknown = el.value;
  let url: string | undefined;
  for (const b of arr(el.behaviors)) {
    if (!isObj(b)) continue;
    if (b.type === 'callback' && b.value !== undefined) value = b.value;
    if (b.type === 'open_url') url = safeUrl(b.default_url ?? b.pc_url) ?? undefined;
  }
  if (typeof el.url === 'string' && !url) url = safeUrl(el.url) ?? undefined;
  if (isObj(el.multi_url) && !url) url = safeUrl(el.multi_url.url ?? el.multi_url.pc_url) ?? undefined;
  return { value, url };
}

function confirmOf(c: Ctx, el: Obj): Control['confirm'] {
  if (!isObj(el.confirm)) return undefined;
  return { title: c.plain(el.confirm.title), text: c.plain(el.confirm.text) };
}

const styleMargin = (el: Obj): string => (typeof el.margin === 'string' && /^[-\d px]+$/.test(el.margin) ? `margin:${el.margin};` : '');

function elements(c: Ctx, list: unknown, scope: Scope, depth: number): string {
  return arr(list).map((e) => element(c, e, scope, depth)).join('');
}

function options(c: Ctx, el: Obj, selected: string[]): string {
  return arr(el.options)
    .filter(isObj)
    .map((o) => {
      const v = String(o.value ?? '');
      return `<option value="${attr(v)}"${selected.includes(v) ? ' selected' : ''}>${esc(c.plain(o.text) || v)}</option>`;
    })
    .join('');
}

function field(c: Ctx, el: Obj, scope: Scope, inner: string): string {
  const label = isObj(el.label) ? `<label class="field-label">${c.text(el.label)}${el.required ? '<span class="req">*</span>' : ''}</label>` : '';
  return `<div class="field ${el.label_position === 'left' ? 'field-left' : ''}" style="${styleMargin(el)}">${label}${inner}</div>`;
}

function interactive(c: Ctx, el: Obj, scope: Scope, tag: string): number {
  const { value } = callbackValue(el);
  return c.control({ tag, name: typeof el.name === 'string' ? el.name : undefined, value, form: scope.form, confirm: confirmOf(c, el), disabled: el.disabled === true });
}

const DISABLED = (el: Obj) => (el.disabled === true ? ' disabled' : '');

function button(c: Ctx, el: Obj, scope: Scope): string {
  const { value, url } = callbackValue(el);
  const formAction = el.form_action_type === 'submit' || el.action_type === 'form_submit' ? 'submit' : el.form_action_type === 'reset' || el.action_type === 'form_reset' ? 'reset' : undefined;
  const id = c.control({ tag: 'button', name: typeof el.name === 'string' ? el.name : undefined, value, form: scope.form, formAction, url, confirm: confirmOf(c, el), disabled: el.disabled === true });
  const cls = `btn btn-${token(el.type)} btn-${token(el.size, 'medium')}${el.width === 'fill' ? ' btn-fill' : ''}`;
  const tips = el.disabled === true && isObj(el.disabled_tips) ? ` title="${attr(c.plain(el.disabled_tips))}"` : isObj(el.hover_tips) ? ` title="${attr(c.plain(el.hover_tips))}"` : '';
  return `<button type="button" class="${cls}" data-ctl="${id}"${formAction ? ` data-form-action="${formAction}"` : ''}${DISABLED(el)}${tips} style="${styleMargin(el)}">${c.text(el.text) || esc(c.L('按钮', 'Button'))}</button>`;
}

function column(c: Ctx, col: Obj, scope: Scope, depth: number): string {
  const w = col.width;
  const flex = w === 'auto' ? 'flex:0 0 auto;' : typeof w === 'string' && /^\d+px$/.test(w) ? `flex:0 0 ${w};` : `flex:${typeof col.weight === 'number' ? Math.max(1, Math.min(5, Math.round(col.weight))) : 1} 1 0;`;
  const va = token(col.vertical_align, 'top');
  return `<div class="col va-${va}${col.background_style && col.background_style !== 'default' ? ' bg-' + token(col.background_style) : ''}" style="${flex}${styleMargin(col)}">${elements(c, col.elements, scope, depth + 1)}</div>`;
}

function table(c: Ctx, el: Obj): string {
  const cols = arr(el.columns).filter(isObj);
  const rows = arr(el.rows).filter(isObj);
  const cell = (v: unknown, type: unknown): string => {
    if (v === null || v === undefined) return '';
    if (type === 'lark_md' || type === 'markdown') return renderInline(v, c.md);
    if (type === 'options' && Array.isArray(v)) return v.map((o) => (isObj(o) ? `<span class="tag tag-${token(o.color, 'neutral')}">${esc(o.text ?? o.value ?? '')}</span>` : esc(o))).join(' ');
    if (type === 'persons' || type === 'person') return arr(Array.isArray(v) ? v : [v]).map((p) => person(c, typeof p === 'string' ? p : isObj(p) ? String(p.id ?? p.user_id ?? '') : '')).join(' ');
    if (type === 'date' && typeof v === 'number') return esc(new Date(v).toISOString().slice(0, 10));
    if (type === 'number' && typeof v === 'number') return esc(v.toLocaleString(c.o.locale));
    return esc(typeof v === 'object' ? JSON.stringify(v) : v);
  };
  const head = el.header_style === undefined || !isObj(el.header_style) || el.header_style.visible !== false;
  return `<div class="table-wrap" style="${styleMargin(el)}"><table class="card-table">${head ? `<thead><tr>${cols.map((k) => `<th>${esc(k.display_name ?? k.name ?? '')}</th>`).join('')}</tr></thead>` : ''}<tbody>${rows
    .map((r) => `<tr>${cols.map((k) => `<td class="${k.horizontal_align === 'right' ? 'ar' : ''}">${cell(r[String(k.name)], k.data_type)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table></div>`;
}

function person(c: Ctx, id: string): string {
  const name = c.o.nameOf?.(id) || id || c.L('未知', 'Unknown');
  return `<span class="person"><span class="avatar">${esc([...name][0] ?? '?')}</span><span class="pname">${esc(name)}</span></span>`;
}

function element(c: Ctx, e: unknown, scope: Scope, depth: number): string {
  if (!isObj(e) || typeof e.tag !== 'string') return c.placeholder(isObj(e) ? String(e.tag ?? '?') : typeof e);
  if (depth > 12) return c.placeholder(`${e.tag}(depth)`);
  const el = e;
  switch (el.tag) {
    case 'markdown':
    case 'lark_md': {
      const content = c.pick<string>(el.i18n_content) ?? el.content;
      const size = token(el.text_size, 'normal');
      const align = token(el.text_align, 'left');
      return `<div class="md size-${size} align-${align}" style="${styleMargin(el)}">${renderMarkdown(content, c.md)}</div>`;
    }
    case 'plain_text':
      return `<div class="plain size-${token(el.text_size, 'normal')}">${esc(c.plain(el))}</div>`;
    case 'div': {
      const text = el.text ? `<div class="div-text size-${token(isObj(el.text) ? el.text.text_size : undefined, 'normal')} align-${token(isObj(el.text) ? el.text.text_align : undefined, 'left')}">${isObj(el.text) && (el.text.tag === 'lark_md' || el.text.tag === 'markdown') ? renderMarkdown(c.pick<string>(el.text.i18n_content) ?? el.text.content, c.md) : esc(c.plain(el.text))}</div>` : '';
      const fields = arr(el.fields).filter(isObj);
      const fl = fields.length ? `<div class="fields">${fields.map((f) => `<div class="f ${f.is_short ? 'short' : ''}">${c.text(f.text)}</div>`).join('')}</div>` : '';
      return `<div class="div" style="${styleMargin(el)}">${text}${fl}</div>`;
    }
    case 'hr':
      return '<hr class="card-hr">';
    case 'note':
      return `<div class="note">${arr(el.elements)
        .map((n) => (isObj(n) && n.tag === 'img' ? `<span class="img-ph small">${esc(c.plain(n.alt) || c.L('图片', 'image'))}</span>` : isObj(n) ? c.text(n) : ''))
        .join(' ')}</div>`;
    case 'column_set': {
      const mode = token(el.flex_mode, 'none');
      const bg = el.background_style && el.background_style !== 'default' ? ` bg-${token(el.background_style)}` : '';
      const cols = arr(el.columns).map((col) => (isObj(col) && col.tag === 'column' ? column(c, col, scope, depth) : element(c, col, scope, depth + 1))).join('');
      return `<div class="cols flex-${mode} gap-${token(el.horizontal_spacing, 'medium')}${bg}" style="${styleMargin(el)}">${cols}</div>`;
    }
    case 'column':
      return column(c, el, scope, depth);
    case 'form': {
      const name = typeof el.name === 'string' ? el.name : `form${depth}`;
      return `<form class="card-form" data-form="${attr(name)}">${elements(c, el.elements, { form: name }, depth + 1)}</form>`;
    }
    case 'collapsible_panel': {
      const h = isObj(el.header) ? el.header : {};
      const bg = typeof el.background_color === 'string' ? ` bg-${token(el.background_color)}` : '';
      return `<details class="panel${bg}"${el.expanded === true ? ' open' : ''}><summary>${c.text(h.title) || esc(c.L('展开', 'More'))}</summary><div class="panel-body">${elements(c, el.elements, scope, depth + 1)}</div></details>`;
    }
    case 'interactive_container': {
      const id = interactive(c, el, scope, 'interactive_container');
      return `<div class="icontainer" data-ctl="${id}" role="button" tabindex="0">${elements(c, el.elements, scope, depth + 1)}</div>`;
    }
    case 'button':
      return button(c, el, scope);
    case 'input': {
      const id = interactive(c, el, scope, 'input');
      const ph = attr(c.plain(el.placeholder));
      const max = typeof el.max_length === 'number' ? ` maxlength="${Math.floor(el.max_length)}"` : '';
      const dv = typeof el.default_value === 'string' ? el.default_value : '';
      const req = el.required === true ? ' required' : '';
      const inner = el.input_type === 'multiline_text'
        ? `<textarea class="inp" rows="${typeof el.rows === 'number' ? Math.min(10, Math.max(1, Math.floor(el.rows))) : 3}" data-ctl="${id}" placeholder="${ph}"${max}${req}${DISABLED(el)}>${esc(dv)}</textarea>`
        : `<input class="inp" type="${el.input_type === 'password' ? 'password' : 'text'}" data-ctl="${id}" placeholder="${ph}" value="${attr(dv)}"${max}${req}${DISABLED(el)}>`;
      return field(c, el, scope, inner);
    }
    case 'select_static':
    case 'multi_select_static':
    case 'select_person':
    case 'multi_select_person': {
      const id = interactive(c, el, scope, el.tag);
      const multi = el.tag.startsWith('multi');
      const initial = multi ? arr(el.selected_values).map(String) : typeof el.initial_option === 'string' ? [el.initial_option] : [];
      const isPerson = el.tag.endsWith('person');
      const opts = isPerson
        ? arr(el.options).filter(isObj).map((o) => { const v = String(o.value ?? ''); return `<option value="${attr(v)}"${initial.includes(v) ? ' selected' : ''}>${esc(c.o.nameOf?.(v) || v)}</option>`; }).join('')
        : options(c, el, initial);
      const ph = c.plain(el.placeholder) || c.L('请选择', 'Select');
      const inner = `<select class="sel" data-ctl="${id}"${multi ? ' multiple' : ''}${el.required === true ? ' required' : ''}${DISABLED(el)}>${multi ? '' : `<option value=""${initial.length ? '' : ' selected'}>${esc(ph)}</option>`}${opts}</select>`;
      return field(c, el, scope, inner);
    }
    case 'overflow': {
      const items = arr(el.options).filter(isObj).map((o) => {
        const id = c.control({ tag: 'overflow', value: o.value, form: scope.form });
        return `<button type="button" class="btn btn-text btn-small" data-ctl="${id}">${c.text(o.text)}</button>`;
      });
      return `<span class="overflow">${items.join('')}</span>`;
    }
    case 'checker': {
      const id = interactive(c, el, scope, 'checker');
      return `<label class="checker"><input type="checkbox" data-ctl="${id}"${el.checked === true ? ' checked' : ''}${DISABLED(el)}> ${c.text(el.text)}</label>`;
    }
    case 'date_picker':
    case 'picker_time':
    case 'picker_datetime': {
      const id = interactive(c, el, scope, el.tag);
      const type = el.tag === 'date_picker' ? 'date' : el.tag === 'picker_time' ? 'time' : 'datetime-local';
      const init = el.tag === 'date_picker' ? el.initial_date : el.tag === 'picker_time' ? el.initial_time : el.initial_datetime;
      const v = typeof init === 'string' ? (type === 'datetime-local' ? init.replace(' ', 'T') : init) : '';
      const ph = c.plain(el.placeholder);
      const inner = `<input class="inp" type="${type}" data-ctl="${id}" value="${attr(v)}"${ph ? ` title="${attr(ph)}" aria-label="${attr(ph)}"` : ''}${el.required === true ? ' required' : ''}${DISABLED(el)}>${ph ? `<span class="hint">${esc(ph)}</span>` : ''}`;
      return field(c, el, scope, inner);
    }
    case 'img':
      return `<div class="img-ph" role="img" aria-label="${attr(c.plain(el.alt))}" style="${styleMargin(el)}">🖼 ${esc(c.plain(el.alt) || c.L('图片', 'Image'))}</div>`;
    case 'img_combination':
      return `<div class="img-combo">${arr(el.img_list).map(() => `<div class="img-ph small">🖼</div>`).join('')}</div>`;
    case 'select_img': {
      const id = interactive(c, el, scope, 'select_img');
      return `<div class="img-combo" data-ctl="${id}">${arr(el.options).map(() => `<div class="img-ph small">🖼</div>`).join('')}</div>`;
    }
    case 'person':
      return `<div class="persons" style="${styleMargin(el)}">${person(c, String(el.user_id ?? ''))}</div>`;
    case 'person_list':
      return `<div class="persons" style="${styleMargin(el)}">${arr(el.persons).map((p) => person(c, isObj(p) ? String(p.id ?? p.user_id ?? '') : String(p))).join('')}</div>`;
    case 'table':
      return table(c, el);
    case 'chart': {
      const chart = renderChart(el.chart_spec);
      if (!chart) return c.placeholder(`chart:${isObj(el.chart_spec) ? String(el.chart_spec.type ?? '?') : '?'}`);
      return chart.html;
    }
    case 'audio':
      return `<div class="audio">🔊 ${esc(c.L('语音', 'Audio'))}</div>`;
    default:
      return c.placeholder(String(el.tag));
  }
}

function header(c: Ctx, h: unknown): string {
  if (!isObj(h)) return '';
  const title = c.pick(h.i18n_title) ?? h.title;
  const subtitle = c.pick(h.i18n_subtitle) ?? h.subtitle;
  const tags = arr(h.text_tag_list)
    .filter(isObj)
    .slice(0, 3)
    .map((t) => `<span class="tag tag-${token(t.color, 'neutral')}">${c.text(t.text)}</span>`)
    .join('');
  return `<div class="card-header tpl-${token(h.template, 'default')}"><div class="title">${c.text(title)}${tags ? `<span class="tags">${tags}</span>` : ''}</div>${subtitle ? `<div class="subtitle">${c.text(subtitle)}</div>` : ''}</div>`;
}

/** A card (Card JSON 2.0; 1.0 `elements` / `i18n_elements` are drawn too) → HTML, controls and what it could not draw. */
export function renderCard(card: unknown, opts: RenderOptions = {}): RenderedCard {
  const c = new Ctx({ locale: opts.locale ?? 'zh-CN', nameOf: opts.nameOf });
  if (!isObj(card)) return { html: c.placeholder('card'), controls: c.controls, unsupported: c.unsupported };
  const body = isObj(card.body) ? card.body : {};
  const els = c.pick<unknown[]>(card.i18n_elements) ?? (Array.isArray(body.elements) ? body.elements : arr(card.elements));
  const config = isObj(card.config) ? card.config : {};
  const width = token(config.width_mode, 'default');
  const html = `<div class="card width-${width}">${header(c, card.i18n_header ? c.pick(card.i18n_header) ?? card.header : card.header)}<div class="card-body">${elements(c, els, {}, 0)}</div></div>`;
  return { html, controls: c.controls, unsupported: c.unsupported };
}

/** A text message's content ({text}) → HTML: Lark text is plain, but it carries <at user_id=…> mentions, links and line breaks. */
export function renderText(text: unknown, opts: RenderOptions = {}): string {
  const mention = (escaped: string) =>
    escaped.replace(/&lt;at (?:user_id|id|open_id)=(?:&quot;|&#39;)?([A-Za-z0-9_@.-]+)(?:&quot;|&#39;)?&gt;([^&]*)&lt;\/at&gt;/g, (_m, id: string, name: string) => {
      const known = opts.nameOf?.(id);
      return `<span class="at">@${known ? esc(known) : name || id}</span>`; // name and id are escaped already
    });
  const line = (raw: string) => {
    let out = '';
    let last = 0;
    for (const m of raw.matchAll(/https?:\/\/[^\s<>"'`\u3000-\u303f\uff00-\uffef]+/g)) {
      const url = safeUrl(m[0]);
      out += mention(esc(raw.slice(last, m.index))) + (url ? `<a href="${attr(url)}" target="_blank" rel="noopener noreferrer">${esc(m[0])}</a>` : esc(m[0]));
      last = m.index! + m[0].length;
    }
    return out + mention(esc(raw.slice(last)));
  };
  return String(text ?? '').split(/\r?\n/).map(line).join('<br>');
}

