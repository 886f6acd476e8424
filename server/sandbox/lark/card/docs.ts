/**
 * The official pages every rule of the strict Card JSON 2.0 validator comes from. Each rule set in rules.ts names
 * its page. Read on open.feishu.cn / open.larksuite.com (the same documents; the Lark pages were last updated
 * 2025-06-27, the structure page 2025-06-23).
 */
const BASE = 'https://open.feishu.cn/document/uAjLw4CM/ukzMukzMukzM/feishu-cards';

export const DOCS = {
  /** Global fields, config, header, body; "一张卡片最多支持 200 个元素（如 tag 为 plain_text 的文本元素）或组件"; update_multi only true. */
  structure: `${BASE}/card-json-v2-structure`,
  /** "In JSON 2.0 version, passing unsupported properties will result in an error"; note/action deprecated; i18n_elements gone; container nesting. */
  breakingChanges: `${BASE}/card-json-v2-breaking-changes-release-notes`,
  /** The list of JSON 2.0 components (container / display / interactive). */
  overview: `${BASE}/card-json-v2-components/component-json-v2-overview`,
  columnSet: `${BASE}/card-json-v2-components/containers/column-set`,
  form: `${BASE}/card-json-v2-components/containers/form-container`,
  collapsiblePanel: `${BASE}/card-json-v2-components/containers/collapsible-panel`,
  interactiveContainer: `${BASE}/card-json-v2-components/containers/interactive-container`,
  markdown: `${BASE}/card-json-v2-components/content-components/rich-text`,
  plainText: `${BASE}/card-json-v2-components/content-components/plain-text`,
  divider: `${BASE}/card-json-v2-components/content-components/divider`,
  title: `${BASE}/card-json-v2-components/content-components/title`,
  button: `${BASE}/card-json-v2-components/interactive-components/button`,
  input: `${BASE}/card-json-v2-components/interactive-components/input`,
  selectStatic: `${BASE}/card-json-v2-components/interactive-components/single-select-dropdown-menu`,
  multiSelectStatic: `${BASE}/card-json-v2-components/interactive-components/multi-select-dropdown-menu`,
  datePicker: `${BASE}/card-json-v2-components/interactive-components/date-picker`,
  /** Send message: HTTP 400, code 230099 "Failed to create card content" and its sub-codes (11310, 200621, 200861, …); 230025 too long. */
  sendMessage: 'https://open.feishu.cn/document/server-docs/im-v1/message/create',
  /** Reply message: the same 230099 table with ErrPath examples ("ROOT -> elements -> [2](tag: chart)"). */
  replyMessage: 'https://open.feishu.cn/document/server-docs/im-v1/message/reply',
  /** Card callback answers: an invalid `card` in the answer is shown to the user as error 200673. */
  cardCallback: 'https://open.feishu.cn/document/feishu-cards/card-callback-communication',
} as const;
