import { DOCS } from './docs';

/**
 * Card JSON 2.0 rules, per component, as the official pages state them (docs.ts). Conventions:
 * - `props` lists every property the component's field table (and its "JSON structure" sample, which also shows
 *   historical properties) documents. The breaking-changes page says "In JSON 2.0 version, passing unsupported
 *   properties will result in an error", so a property outside the list is a violation — but only for the
 *   components whose whole field table was read (`props !== null`). For the others the list is `null` and unknown
 *   properties are accepted (lenient: we did not read their tables, so we do not guess).
 * - Keys starting with `i18n_` are always accepted: component-level multi-language fields (`i18n_content`, …) are
 *   documented on the multi-language page, not in each field table (lenient).
 * - A `check` returns an error message, or null when the value is fine.
 */
export type Check = (v: unknown) => string | null;

export interface ComponentRule {
  doc: string;
  /** Documented properties (null: not enumerated → unknown properties are accepted). */
  props: Record<string, Check> | null;
  required?: string[];
  /** An interactive component: inside a form it needs a card-unique `name` (form page, "└ name … required"). */
  interactive?: boolean;
  /** A container whose children are checked (and count towards the 5-level nesting limit). */
  container?: boolean;
}

// ------------------------------------------------------------------ value checks

export const any: Check = () => null;
export const str: Check = (v) => (typeof v === 'string' ? null : 'must be a string');
export const bool: Check = (v) => (typeof v === 'boolean' ? null : 'must be a boolean');
export const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'must be a number');
export const obj: Check = (v) => (v && typeof v === 'object' && !Array.isArray(v) ? null : 'must be an object');
export const arr: Check = (v) => (Array.isArray(v) ? null : 'must be an array');
export const strOrObj: Check = (v) => (typeof v === 'string' || (v && typeof v === 'object' && !Array.isArray(v)) ? null : 'must be a string or an object');
export const oneOf = (...values: readonly string[]): Check => (v) => (typeof v === 'string' && values.includes(v) ? null : `must be one of ${values.join('|')}`);
export const intIn = (min: number, max: number): Check => (v) =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max ? null : `must be an integer in [${min}, ${max}]`;
export const all = (...checks: Check[]): Check => (v) => {
  for (const c of checks) {
    const e = c(v);
    if (e) return e;
  }
  return null;
};

const px = (min: number, max: number) => (s: string) => {
  const m = /^(-?\d+)(px)?$/.exec(s);
  return !!m && (m[2] === 'px' || m[1] === '0' || m[1] === '-0') && +m[1] >= min && +m[1] <= max;
};

/** margin: "10px", "4px 0", "4px 0 4px 0", range [-99,99]px (every component page, "margin"). Three values are not described; accepted (lenient). */
export const margin: Check = (v) =>
  typeof v === 'string' && v.trim().split(/\s+/).length <= 4 && v.trim().split(/\s+/).every(px(-99, 99)) ? null : 'must be 1–4 lengths in [-99,99]px';
/** padding: [0,99]px in the structure page, [-99,99]px in the form/collapsible tables — the wider range is accepted (lenient). */
export const padding: Check = margin;
/** horizontal_spacing / vertical_spacing: small|medium|large|extra_large or [0,99]px (structure page, body). */
export const spacing: Check = (v) =>
  typeof v === 'string' && (['small', 'medium', 'large', 'extra_large'].includes(v) || px(0, 99)(v)) ? null : 'must be small|medium|large|extra_large or [0,99]px';
export const hAlign = oneOf('left', 'center', 'right');
export const vAlign = oneOf('top', 'center', 'bottom');
export const direction = oneOf('vertical', 'horizontal');
/** Interactive component width: default | fill | [100,∞)px (input, button, select_static, date_picker tables). */
export const controlWidth: Check = (v) => {
  if (v === 'default' || v === 'fill') return null;
  const m = typeof v === 'string' ? /^(\d+)px$/.exec(v) : null;
  return m && +m[1] >= 100 ? null : 'must be default|fill or [100,∞)px';
};
/** element_id: letters, digits, underscores; starts with a letter; ≤ 20 characters; unique in the card (structure page). */
export const elementId: Check = (v) => (typeof v === 'string' && /^[A-Za-z][A-Za-z0-9_]{0,19}$/.test(v) ? null : 'must start with a letter, use only letters/digits/_ and have at most 20 characters');

/** A text object { tag, content }. Other text properties (text_size, text_color, lines, …) are accepted (lenient). */
export const text = (tags: readonly string[], maxChars?: number): Check => (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be a text object {tag, content}';
  const o = v as Record<string, unknown>;
  if (typeof o.tag !== 'string' || !tags.includes(o.tag)) return `tag must be one of ${tags.join('|')}`;
  if (o.content !== undefined && typeof o.content !== 'string') return 'content must be a string';
  if (maxChars !== undefined && typeof o.content === 'string' && [...o.content].length > maxChars) return `content must have at most ${maxChars} characters (has ${[...o.content].length})`;
  return null;
};
const plainText = text(['plain_text']);

/** confirm: {title, text}; the title is required (button page: "the title field is required"); the text is required in the input/select/date tables. */
export const confirm = (textRequired: boolean): Check => (v) => {
  if (!v || typeof v !== 'object' || Array.isArray(v)) return 'must be an object {title, text}';
  const o = v as Record<string, unknown>;
  if (o.title === undefined) return 'title is required';
  const t = plainText(o.title);
  if (t) return `title ${t}`;
  if (o.text === undefined) return textRequired ? 'text is required' : null;
  const x = plainText(o.text);
  return x ? `text ${x}` : null;
};

/** behaviors: [{type: 'callback', value} | {type: 'open_url', default_url | pc_url/ios_url/android_url}] (button page). Other types are accepted (not enumerated there). */
export const behaviors: Check = (v) => {
  if (!Array.isArray(v)) return 'must be an array';
  for (const [i, b] of v.entries()) {
    if (!b || typeof b !== 'object' || typeof (b as { type?: unknown }).type !== 'string') return `[${i}] must be an object with a type`;
    const o = b as Record<string, unknown>;
    if (o.type === 'callback' && o.value === undefined) return `[${i}] a callback behavior needs a value`;
    if (o.type === 'open_url' && typeof o.default_url !== 'string' && !(o.pc_url || o.ios_url || o.android_url)) return `[${i}] an open_url behavior needs default_url`;
  }
  return null;
};

const layout = { margin, padding, direction, horizontal_spacing: spacing, vertical_spacing: spacing, horizontal_align: hAlign, vertical_align: vAlign };

// ------------------------------------------------------------------ the card

/** Root fields (structure page: schema, config, card_link, header, body). `fallback` is shown in the 2.0 sample of the
 * breaking-changes page but said to be unsupported for now — accepted (lenient). `i18n_elements` is gone in 2.0. */
export const ROOT_PROPS: Record<string, Check> = { schema: any, config: obj, card_link: obj, header: obj, body: obj, fallback: any };
export const CONFIG_PROPS: Record<string, Check> = {
  streaming_mode: bool,
  streaming_config: obj,
  summary: obj,
  locales: arr,
  enable_forward: bool,
  // "JSON 2.0 暂时仅支持设为 true" (structure page; breaking changes: "only supports being set to true").
  update_multi: (v) => (v === true ? null : 'JSON 2.0 cards only support update_multi: true'),
  width_mode: oneOf('default', 'compact', 'fill'),
  use_custom_translation: bool,
  enable_forward_interaction: bool,
  style: obj,
};
export const HEADER_TEMPLATES = ['blue', 'wathet', 'turquoise', 'green', 'yellow', 'orange', 'red', 'carmine', 'violet', 'purple', 'indigo', 'grey', 'default'] as const;
export const HEADER_PROPS: Record<string, Check> = {
  title: text(['plain_text', 'lark_md']),
  subtitle: text(['plain_text', 'lark_md']),
  // "最多设置 3 个标签，超出不展示": more are not shown, not refused — so no count rule.
  text_tag_list: arr,
  template: oneOf(...HEADER_TEMPLATES),
  icon: obj,
  padding,
};
export const BODY_PROPS: Record<string, Check> = { ...layout, elements: arr };

/** JSON 2.0 has no `note` component and no `action` module (breaking changes: "Deprecated Note Component & Action Module");
 * the platform answers 230099 with sub-code 200861 "cards of schema V2 no longer support this capability". */
export const DEPRECATED_TAGS = new Set(['note', 'action']);

const common = { tag: any, element_id: elementId, margin };
/** The properties the input, select_static and date_picker tables all list for a form field. */
const field = { ...common, name: str, required: bool, disabled: bool, width: controlWidth, behaviors, value: strOrObj, confirm: confirm(true) };

// ------------------------------------------------------------------ components

export const COMPONENTS: Record<string, ComponentRule> = {
  // Containers (overview page). Nesting: "form containers, interactive containers, collapsible panels, and column
  // components can nest all components except form containers (form) and table components (table)" (breaking changes);
  // a form "can only be placed under the root node of the card" (form page). Up to five nested container levels.
  column_set: {
    doc: DOCS.columnSet,
    container: true,
    props: { ...common, horizontal_spacing: spacing, horizontal_align: hAlign, flex_mode: oneOf('none', 'stretch', 'flow', 'bisect', 'trisect'), background_style: str, action: obj, columns: arr },
    required: ['columns'],
  },
  column: {
    doc: DOCS.columnSet,
    container: true,
    props: {
      ...common,
      ...layout,
      background_style: str,
      // width: auto | weighted | [16,600]px; weight: integer 1–5.
      width: (v) => (v === 'auto' || v === 'weighted' || (typeof v === 'string' && px(16, 600)(v) && v.endsWith('px')) ? null : 'must be auto|weighted or [16,600]px'),
      weight: intIn(1, 5),
      action: obj,
      elements: arr,
    },
  },
  form: {
    doc: DOCS.form,
    container: true,
    props: { ...common, ...layout, name: str, elements: arr },
    required: ['name', 'elements'],
  },
  collapsible_panel: {
    doc: DOCS.collapsiblePanel,
    container: true,
    props: {
      ...common,
      ...layout,
      expanded: bool,
      background_color: str,
      header: (v) => {
        const e = obj(v);
        if (e) return e;
        const h = v as Record<string, unknown>;
        if (h.title !== undefined) {
          const t = text(['plain_text', 'markdown'])(h.title);
          if (t) return `title ${t}`;
        }
        if (h.width !== undefined && !['fill', 'auto', 'auto_when_fold'].includes(h.width as string)) return 'width must be fill|auto|auto_when_fold';
        if (h.icon_position !== undefined && !['left', 'right', 'follow_text'].includes(h.icon_position as string)) return 'icon_position must be left|right|follow_text';
        if (h.icon_expanded_angle !== undefined && ![-180, -90, 90, 180].includes(h.icon_expanded_angle as number)) return 'icon_expanded_angle must be -180|-90|90|180';
        return null;
      },
      border: obj,
      elements: arr,
    },
    required: ['header'],
  },
  // Field table not read in full: children are checked, unknown properties are accepted.
  interactive_container: { doc: DOCS.interactiveContainer, container: true, props: null },

  // Display components.
  markdown: {
    doc: DOCS.markdown,
    props: {
      ...common,
      content: str,
      // "If you enter other values, the card will display the font size corresponding to the normal field" — any string is accepted.
      text_size: str,
      text_align: hAlign,
      icon: obj,
    },
    required: ['content'],
  },
  hr: { doc: DOCS.divider, props: { ...common } },
  // Read only in part (plain-text page): accepted with any properties.
  div: { doc: DOCS.plainText, props: null },
  img: { doc: DOCS.overview, props: null },
  img_combination: { doc: DOCS.overview, props: null },
  person: { doc: DOCS.overview, props: null },
  person_list: { doc: DOCS.overview, props: null },
  chart: { doc: DOCS.overview, props: null },
  table: { doc: DOCS.overview, props: null },
  audio: { doc: DOCS.overview, props: null },

  // Interactive components.
  button: {
    doc: DOCS.button,
    interactive: true,
    props: {
      ...common,
      type: oneOf('default', 'primary', 'danger', 'text', 'primary_text', 'danger_text', 'primary_filled', 'danger_filled', 'laser'),
      size: oneOf('tiny', 'small', 'medium', 'large'),
      width: controlWidth,
      // "Supports plain text and custom text" — plain_text and lark_md are accepted.
      text: text(['plain_text', 'lark_md']),
      icon: obj,
      hover_tips: obj,
      disabled: bool,
      disabled_tips: obj,
      confirm: confirm(false),
      behaviors,
      // Historical attributes shown in the JSON structure sample.
      url: str,
      multi_url: obj,
      value: strOrObj,
      // Only for buttons in a form (checked by the validator): name, form_action_type; action_type is listed as deprecated.
      name: str,
      form_action_type: oneOf('submit', 'reset'),
      action_type: oneOf('link', 'request', 'multi', 'form_submit', 'form_reset'),
    },
  },
  input: {
    doc: DOCS.input,
    interactive: true,
    props: {
      ...field,
      disabled_tips: obj,
      // "The content of the placeholder text, supporting up to 100 characters."
      placeholder: text(['plain_text'], 100),
      default_value: str,
      // "Maximum text length the input box can accommodate, within the range of 1 to 1,000."
      max_length: intIn(1, 1000),
      input_type: oneOf('text', 'multiline_text', 'password'),
      show_icon: bool,
      rows: num,
      auto_resize: bool,
      max_rows: num,
      label: text(['plain_text']),
      label_position: oneOf('top', 'left'),
    },
  },
  select_static: {
    doc: DOCS.selectStatic,
    interactive: true,
    props: {
      ...field,
      type: oneOf('default', 'text'),
      initial_option: str,
      initial_index: (v) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 ? null : 'must be a non-negative integer'),
      placeholder: text(['plain_text']),
      options: arr,
    },
  },
  multi_select_static: { doc: DOCS.multiSelectStatic, interactive: true, props: null },
  date_picker: {
    doc: DOCS.datePicker,
    interactive: true,
    props: {
      ...field,
      // "Format is yyyy-MM-dd."
      initial_date: (v) => (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) ? null : 'must be yyyy-MM-dd'),
      // "supporting up to 100 characters"
      placeholder: text(['plain_text'], 100),
      // The table marks `value` required, but the page's own sample omits it: not enforced (lenient).
    },
  },
  overflow: { doc: DOCS.overview, interactive: true, props: null },
  select_person: { doc: DOCS.overview, interactive: true, props: null },
  multi_select_person: { doc: DOCS.overview, interactive: true, props: null },
  picker_time: { doc: DOCS.overview, interactive: true, props: null },
  picker_datetime: { doc: DOCS.overview, interactive: true, props: null },
  select_img: { doc: DOCS.overview, interactive: true, props: null },
  checker: { doc: DOCS.overview, interactive: true, props: null },
};

/** What may not sit inside each container (breaking changes, form/column/collapsible pages). */
export const NOT_INSIDE: Record<string, readonly string[]> = {
  form: ['form', 'table'],
  column: ['form', 'table'],
  collapsible_panel: ['form', 'table'],
  interactive_container: ['form', 'table'],
};

/** "Container type components support up to five levels of nesting" (form, column set, collapsible panel pages). */
export const MAX_CONTAINER_DEPTH = 5;
/** "一张卡片最多支持 200 个元素（如 tag 为 plain_text 的文本元素）或组件" (structure page). */
export const MAX_ELEMENTS = 200;
/** Card content ≤ 30 KB (send message page: card / rich post messages). */
export const MAX_CARD_BYTES = 30 * 1024;
