/**
 * Card JSON 2.0 builders: plain functions returning plain JSON (no classes, no I/O), so cards are easy
 * to test by their JSON. Only properties Lark accepts are emitted (unknown properties are errors in 2.0).
 *
 *   card({ title: '线索', template: 'blue', elements: [markdown('**客户** 某某'), button({ text: '认领', value: { action: 'lead.claim', leadId: 1 } })] })
 *
 * Every button's `value` must carry `action: '<registered action name>'` (`r.action` in a capability's register(r), bot/compose.ts);
 * add `key` for per-click idempotence when the same action can appear on many cards (see bot/actions.ts).
 */

export type CardElement = Record<string, unknown> & { tag: string };
export type Template = 'blue' | 'wathet' | 'turquoise' | 'green' | 'yellow' | 'orange' | 'red' | 'carmine' | 'violet' | 'purple' | 'indigo' | 'grey' | 'default';

/** A type alias (not an interface) so a Card is assignable to Record<string, unknown> (CardActionResult.card). */
export type Card = {
  schema: '2.0';
  config: { update_multi: true; locales?: string[] } & Record<string, unknown>;
  header?: { title: { tag: 'plain_text'; content: string }; subtitle?: { tag: 'plain_text'; content: string }; template: Template };
  body: { elements: CardElement[] };
};

/** Lark's limit for a card message (the JSON content). */
export const CARD_LIMIT_BYTES = 30 * 1024;

const plain = (content: string) => ({ tag: 'plain_text' as const, content });

export function card(opts: { title?: string; subtitle?: string; template?: Template; elements: (CardElement | null | undefined | false)[] }): Card {
  const c: Card = { schema: '2.0', config: { update_multi: true }, body: { elements: opts.elements.filter(Boolean) as CardElement[] } };
  if (opts.title !== undefined) {
    c.header = { title: plain(opts.title), template: opts.template ?? 'blue' };
    if (opts.subtitle) c.header.subtitle = plain(opts.subtitle);
  }
  return c;
}

/** Lark markdown (supports **bold**, lists, <at id=…></at>, links). */
export function markdown(content: string, opts: { textSize?: 'normal' | 'notation' | 'heading'; align?: 'left' | 'center' | 'right' } = {}): CardElement {
  const el: CardElement = { tag: 'markdown', content };
  if (opts.textSize) el.text_size = opts.textSize;
  if (opts.align) el.text_align = opts.align;
  return el;
}

/** Small grey text. JSON 2.0 has no `note` component: this is a notation-size markdown. */
export function note(content: string): CardElement {
  return { tag: 'markdown', content, text_size: 'notation' };
}

export function divider(): CardElement {
  return { tag: 'hr' };
}

export type ButtonType = 'default' | 'primary' | 'danger' | 'text' | 'primary_filled' | 'danger_filled' | 'laser';

/**
 * A button whose click calls back `/lark/events` (card.action.trigger) with `value`.
 * `submit: true` makes it a form's submit button (only inside `form`); `name` is required then (defaults to 'submit').
 */
export function button(opts: {
  text: string;
  type?: ButtonType;
  value: Record<string, unknown> & { action: string };
  name?: string;
  submit?: boolean;
  confirm?: { title: string; text: string };
  disabled?: boolean;
  url?: string;
}): CardElement {
  const el: CardElement = { tag: 'button', text: plain(opts.text), type: opts.type ?? 'default' };
  if (opts.name || opts.submit) el.name = opts.name ?? 'submit';
  if (opts.submit) el.form_action_type = 'submit';
  const behaviors: Record<string, unknown>[] = [{ type: 'callback', value: opts.value }];
  if (opts.url) behaviors.push({ type: 'open_url', default_url: opts.url });
  el.behaviors = behaviors;
  if (opts.confirm) el.confirm = { title: plain(opts.confirm.title), text: plain(opts.confirm.text) };
  if (opts.disabled) el.disabled = true;
  return el;
}

/** A link-only button (no callback). */
export function linkButton(opts: { text: string; url: string; type?: ButtonType }): CardElement {
  return { tag: 'button', text: plain(opts.text), type: opts.type ?? 'default', behaviors: [{ type: 'open_url', default_url: opts.url }] };
}

/** Columns side by side; each column is a list of elements. */
export function columnSet(columns: (CardElement[] | { elements: CardElement[]; weight?: number; width?: 'auto' | 'weighted'; verticalAlign?: 'top' | 'center' | 'bottom' })[], opts: { flexMode?: 'none' | 'stretch' | 'flow' | 'bisect' | 'trisect'; horizontalSpacing?: 'small' | 'medium' | 'large' } = {}): CardElement {
  return {
    tag: 'column_set',
    flex_mode: opts.flexMode ?? 'none',
    horizontal_spacing: opts.horizontalSpacing ?? 'medium',
    columns: columns.map((c) => {
      const col = Array.isArray(c) ? { elements: c } : c;
      return {
        tag: 'column',
        width: col.width ?? 'weighted',
        ...(col.width === 'auto' ? {} : { weight: col.weight ?? 1 }),
        vertical_align: col.verticalAlign ?? 'top',
        elements: col.elements,
      };
    }),
  };
}

/** A row of buttons (a column_set of auto-width columns). */
export function buttonRow(buttons: CardElement[]): CardElement {
  return columnSet(buttons.map((b) => ({ elements: [b], width: 'auto' as const })), { flexMode: 'flow', horizontalSpacing: 'small' });
}

/** A form; the values of its named inputs arrive as `form_value` when its submit button is clicked. */
export function form(name: string, elements: CardElement[]): CardElement {
  return { tag: 'form', name, elements };
}

/**
 * The most an `input` may allow: Card JSON 2.0 documents `max_length` as "within the range of 1 to 1,000" and the
 * platform refuses the whole card otherwise (https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards/card-json-v2-components/interactive-components/input).
 * It is the UI cap only: the core keeps its own (larger) limits for the API and other transports.
 */
export const INPUT_MAX_LENGTH = 1000;

export function input(opts: { name: string; label?: string; placeholder?: string; defaultValue?: string; required?: boolean; maxLength?: number; multiline?: boolean }): CardElement {
  const el: CardElement = { tag: 'input', name: opts.name };
  if (opts.placeholder) el.placeholder = plain(opts.placeholder);
  if (opts.defaultValue !== undefined) el.default_value = opts.defaultValue;
  if (opts.required) el.required = true;
  if (opts.maxLength) el.max_length = opts.maxLength;
  if (opts.label) {
    el.label = plain(opts.label);
    el.label_position = 'top';
  }
  if (opts.multiline) {
    el.input_type = 'multiline_text';
    el.rows = 3;
  }
  return el;
}

export function selectStatic(opts: { name: string; placeholder?: string; options: { text: string; value: string }[]; initial?: string; required?: boolean }): CardElement {
  const el: CardElement = {
    tag: 'select_static',
    name: opts.name,
    options: opts.options.map((o) => ({ text: plain(o.text), value: o.value })),
  };
  if (opts.placeholder) el.placeholder = plain(opts.placeholder);
  if (opts.initial !== undefined) el.initial_option = opts.initial;
  if (opts.required) el.required = true;
  return el;
}

/** `initial` is YYYY-MM-DD. */
export function datePicker(opts: { name: string; placeholder?: string; initial?: string; required?: boolean }): CardElement {
  const el: CardElement = { tag: 'date_picker', name: opts.name };
  if (opts.placeholder) el.placeholder = plain(opts.placeholder);
  if (opts.initial) el.initial_date = opts.initial;
  if (opts.required) el.required = true;
  return el;
}

/** The JSON size of a card in bytes (what Lark counts against its 30 KB limit). */
export function cardBytes(c: unknown): number {
  return Buffer.byteLength(JSON.stringify(c), 'utf8');
}

export function fitsLimit(c: unknown): boolean {
  return cardBytes(c) <= CARD_LIMIT_BYTES;
}

/** Escapes text for Lark markdown (user input in cards must not inject links or mentions). */
export function md(text: string): string {
  const map: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '*': '&#42;', _: '&#95;', '~': '&#126;', '`': '&#96;', '[': '&#91;', ']': '&#93;', '#': '&#35;' };
  return String(text).replace(/[&<>*_~`[\]#]/g, (c) => map[c]);
}
