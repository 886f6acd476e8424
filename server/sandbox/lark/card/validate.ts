import { DOCS } from './docs';
import {
  BODY_PROPS, COMPONENTS, CONFIG_PROPS, DEPRECATED_TAGS, HEADER_PROPS, MAX_CARD_BYTES, MAX_CONTAINER_DEPTH, MAX_ELEMENTS, NOT_INSIDE, ROOT_PROPS,
  type Check,
} from './rules';

/**
 * A strict Card JSON 2.0 validator built from the platform's documentation (rules.ts, docs.ts):
 *   validateCard(card) → [{ path: '$.body.elements[2].max_length', rule: 'input.max_length', message, doc }]
 * An empty list means every documented rule we know holds. `cardRejection(violations)` is the answer the real
 * platform gives for such a card (HTTP 400, code 230099, sub-code in the message).
 */
export interface Violation {
  /** JSON path of the offending value, e.g. $.body.elements[3].elements[1].max_length */
  path: string;
  /** A short rule id: `<component>.<property>` or a card-level rule name. */
  rule: string;
  message: string;
  /** The documentation page the rule comes from. */
  doc: string;
  /** The 230099 sub-code the platform uses for this kind of error (11310 unless documented otherwise). */
  subCode: number;
}

interface Walk {
  out: Violation[];
  /** Every `name` in the card (forms and components in forms) → first path. */
  names: Map<string, string>;
  elementIds: Map<string, string>;
}

const isObj = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

function add(w: Walk, path: string, rule: string, message: string, doc: string, subCode = 11310): void {
  w.out.push({ path, rule, message, doc, subCode });
}

function checkProps(w: Walk, o: Record<string, unknown>, path: string, owner: string, props: Record<string, Check>, doc: string, skip: readonly string[] = []): void {
  for (const [k, v] of Object.entries(o)) {
    if (skip.includes(k) || k.startsWith('i18n_')) continue;
    const check = props[k];
    if (!check) {
      add(w, `${path}.${k}`, `${owner}.unsupported_property`, `"${k}" is not a documented property of ${owner} (JSON 2.0 refuses unsupported properties)`, doc);
      continue;
    }
    const e = check(v);
    if (e) add(w, `${path}.${k}`, `${owner}.${k}`, `${k} ${e}`, doc);
  }
}

/** Counts every object with a string `tag` under `v` (components and text elements such as plain_text). */
function countElements(v: unknown): number {
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + countElements(x), 0);
  if (!isObj(v)) return 0;
  let n = typeof v.tag === 'string' ? 1 : 0;
  for (const x of Object.values(v)) n += countElements(x);
  return n;
}

export function validateCard(card: unknown): Violation[] {
  const w: Walk = { out: [], names: new Map(), elementIds: new Map() };
  if (!isObj(card)) {
    add(w, '$', 'card.object', 'a card must be a JSON object', DOCS.structure, 200621);
    return w.out;
  }
  // "要使用 JSON 2.0 结构，必须显示声明 2.0" — this validator checks JSON 2.0 cards only (the bot sends nothing else).
  if (card.schema !== '2.0') add(w, '$.schema', 'card.schema', 'schema must be "2.0" (JSON 2.0 must be declared explicitly; this fake only accepts 2.0 cards)', DOCS.structure);
  if ('i18n_elements' in card) add(w, '$.i18n_elements', 'card.i18n_elements', 'JSON 2.0 no longer supports i18n_elements', DOCS.breakingChanges);
  checkProps(w, card, '$', 'card', ROOT_PROPS, DOCS.structure, ['i18n_elements']);
  if (isObj(card.config)) checkProps(w, card.config, '$.config', 'config', CONFIG_PROPS, DOCS.structure);
  if (isObj(card.header)) {
    // "卡片主标题。必填"
    if (card.header.title === undefined) add(w, '$.header.title', 'header.title', 'a header needs a title', DOCS.structure);
    checkProps(w, card.header, '$.header', 'header', HEADER_PROPS, DOCS.structure);
  }
  if (isObj(card.body)) {
    checkProps(w, card.body, '$.body', 'body', BODY_PROPS, DOCS.structure);
    if (Array.isArray(card.body.elements)) elements(w, card.body.elements, '$.body.elements', { parent: 'body', form: null, depth: 0 });
    const n = countElements(card.body);
    // The header's texts are not counted: whether they count is not said (lenient).
    if (n > MAX_ELEMENTS) add(w, '$.body', 'card.max_elements', `a card holds at most ${MAX_ELEMENTS} elements or components (this one has ${n})`, DOCS.structure);
  }
  const bytes = Buffer.byteLength(JSON.stringify(card), 'utf8');
  if (bytes > MAX_CARD_BYTES) add(w, '$', 'card.max_bytes', `a card is at most 30 KB (this one is ${bytes} bytes)`, DOCS.sendMessage);
  return w.out;
}

interface Where {
  parent: string;
  /** The enclosing form's path, or null. */
  form: string | null;
  /** Container levels above this element. */
  depth: number;
}

function elements(w: Walk, list: unknown[], path: string, where: Where): void {
  list.forEach((el, i) => element(w, el, `${path}[${i}]`, where));
}

function element(w: Walk, el: unknown, path: string, where: Where): void {
  if (!isObj(el) || typeof el.tag !== 'string') {
    add(w, path, 'component.tag', 'a component must be an object with a string tag', DOCS.overview, 200621);
    return;
  }
  const tag = el.tag;
  if (DEPRECATED_TAGS.has(tag)) {
    add(w, `${path}.tag`, `${tag}.deprecated`, `unsupported tag ${tag}: cards of schema V2 no longer support this capability`, DOCS.breakingChanges, 200861);
    return;
  }
  const rule = COMPONENTS[tag];
  if (!rule) {
    add(w, `${path}.tag`, 'component.unknown', `unknown component tag "${tag}"`, DOCS.overview);
    return;
  }
  if (tag === 'column' && where.parent !== 'column_set') add(w, path, 'column.parent', 'a column may only sit in a column_set\'s columns', DOCS.columnSet);
  if (tag === 'form' && where.parent !== 'body') add(w, path, 'form.root_only', 'a form can only be placed under the root node of the card (body.elements)', DOCS.form);
  const banned = NOT_INSIDE[where.parent];
  if (banned?.includes(tag) && !(tag === 'form' && where.parent !== 'body')) add(w, path, `${where.parent}.nesting`, `${where.parent} does not support embedding ${tag}`, rule.doc);

  for (const k of rule.required ?? []) if (el[k] === undefined) add(w, `${path}.${k}`, `${tag}.${k}`, `${tag} requires ${k}`, rule.doc);
  if (rule.props) checkProps(w, el, path, tag, rule.props, rule.doc);

  if (el.element_id !== undefined && typeof el.element_id === 'string') {
    const seen = w.elementIds.get(el.element_id);
    if (seen) add(w, `${path}.element_id`, 'card.element_id_unique', `element_id "${el.element_id}" is also used at ${seen}; it must be unique in the card`, DOCS.structure);
    else w.elementIds.set(el.element_id, path);
  }

  // Names: a form's name and the name of every interactive component in a form "must be globally unique within the card".
  const named = tag === 'form' || (rule.interactive && where.form !== null);
  if (named) {
    if (typeof el.name !== 'string' || !el.name) {
      add(w, `${path}.name`, `${tag}.name`, tag === 'form' ? 'a form needs a name' : `${tag} inside a form needs a name (required for every interactive component in a form)`, DOCS.form);
    } else {
      const seen = w.names.get(el.name);
      if (seen) add(w, `${path}.name`, 'form.name_unique', `name "${el.name}" is also used at ${seen}; names must be unique in the card`, DOCS.form);
      else w.names.set(el.name, path);
    }
  }

  if (tag === 'button') {
    if (where.form === null) {
      // name and form_action_type are the attributes "buttons embedded in form containers have added" (button page).
      if (el.form_action_type !== undefined) add(w, `${path}.form_action_type`, 'button.form_action_type', 'form_action_type (submit/reset) is only for buttons inside a form', DOCS.button);
    } else if (el.form_action_type === undefined && el.action_type === undefined) {
      add(w, `${path}.form_action_type`, 'button.form_action_type', 'a button inside a form needs form_action_type (submit or reset)', DOCS.form);
    }
  }

  if (tag === 'select_static' && Array.isArray(el.options)) {
    const values = new Set<string>();
    el.options.forEach((o, i) => {
      const p = `${path}.options[${i}]`;
      if (!isObj(o)) return add(w, p, 'select_static.options', 'an option must be an object {text, value}', rule.doc);
      if (o.text === undefined || !isObj(o.text) || o.text.tag !== 'plain_text' || typeof o.text.content !== 'string') add(w, `${p}.text`, 'select_static.options.text', 'an option needs text {tag: plain_text, content}', rule.doc);
      if (typeof o.value !== 'string') add(w, `${p}.value`, 'select_static.options.value', 'an option needs a string value', rule.doc);
      else if (values.has(o.value)) add(w, `${p}.value`, 'select_static.options.value_unique', `option value "${o.value}" repeats; values must be unique within the component`, rule.doc);
      else values.add(o.value);
      for (const k of Object.keys(o)) if (!['text', 'value', 'icon'].includes(k)) add(w, `${p}.${k}`, 'select_static.options.unsupported_property', `"${k}" is not a documented option property`, rule.doc);
    });
  }

  if (!rule.container) return;
  const depth = where.depth + (tag === 'column' ? 0 : 1); // a column_set and its columns are one level (not said otherwise: lenient)
  if (depth > MAX_CONTAINER_DEPTH) add(w, path, 'card.max_nesting', `containers nest at most ${MAX_CONTAINER_DEPTH} levels`, rule.doc);
  const form = tag === 'form' ? path : where.form;
  if (tag === 'column_set') {
    if (Array.isArray(el.columns)) {
      el.columns.forEach((c, i) => {
        const p = `${path}.columns[${i}]`;
        if (!isObj(c) || c.tag !== 'column') add(w, p, 'column_set.columns', 'the columns of a column_set must be column objects', rule.doc);
        else element(w, c, p, { parent: 'column_set', form, depth });
      });
    }
    return;
  }
  if (Array.isArray(el.elements)) elements(w, el.elements, `${path}.elements`, { parent: tag, form, depth });
  if (tag === 'form') {
    // "The form container must contain a button component for submitting the form."
    const hasSubmit = (v: unknown): boolean =>
      Array.isArray(v) ? v.some(hasSubmit) : isObj(v) && ((v.tag === 'button' && (v.form_action_type === 'submit' || v.action_type === 'form_submit')) || Object.values(v).some(hasSubmit));
    if (!hasSubmit(el.elements)) add(w, path, 'form.submit_button', 'a form must contain a submit button (form_action_type: submit)', DOCS.form);
  }
}

/** The platform's answer to a card it refuses (send/reply/patch): HTTP 400, code 230099, the first error in `msg`. */
export function cardRejection(violations: Violation[]): { status: 400; code: 230099; msg: string } {
  const v = violations[0];
  const path = v.path.replace(/^\$/, 'ROOT').replace(/\./g, ' -> ');
  return { status: 400, code: 230099, msg: `Failed to create card content, ext=ErrCode: ${v.subCode}; ErrPath: ${path}; ErrMsg: ${v.message}; ErrorValue: ${v.rule};` };
}

/** One line per violation (test failure messages). */
export function describeViolations(violations: Violation[]): string {
  return violations.map((v) => `${v.path}: ${v.message} [${v.rule}] (${v.doc})`).join('\n');
}
