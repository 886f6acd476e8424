/**
 * The sandbox page: a chat window like Lark's, in plain DOM (no framework; the bundle stays a few dozen KB).
 * Who am I (the demo's people) → conversations (the bot's direct chat and groups) → messages and cards → an input box.
 * Cards are drawn by the pure renderer (../render/card.ts); their buttons and forms post /sandbox/api/actions and the
 * answer replaces the card in place; the bot's messages and card updates arrive on the SSE stream.
 */
import { renderCard, renderText, type RenderedCard, type Control } from '../render/card';
import { esc } from '../render/escape';
import * as api from './api';
import { tr, roleLabel, type PageLocale } from './i18n';

type ChatKey = string; // 'p2p' or a group chat id
const P2P = 'p2p';

interface Msg {
  id: string;
  chat: ChatKey;
  from: 'bot' | 'user';
  sender: string;
  /** Typed by the person the page is for (right-hand side); another member's message in a group is on the left. */
  mine: boolean;
  msgType: string;
  content: Record<string, unknown> | string;
  at: number;
  updated: boolean;
  rendered?: RenderedCard;
  el?: HTMLElement;
}

interface Conv {
  key: ChatKey;
  name: string;
  kind: 'p2p' | 'group';
  unread: number;
  last: string;
}

interface SandboxProbe {
  ready: boolean;
  /** The stream's history has arrived (its `ready` event). */
  history: boolean;
  me: string | null;
  unsupported: string[];
  live: boolean;
}

const params = new URLSearchParams(location.search);
const stored = (k: string) => {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
};
const store = (k: string, v: string) => {
  try {
    localStorage.setItem(k, v);
  } catch {
    /* private mode */
  }
};

const state = {
  locale: ((params.get('lang') ?? stored('sandbox.lang')) === 'en' ? 'en' : 'zh-CN') as PageLocale,
  people: [] as api.Person[],
  me: null as api.Person | null,
  convs: new Map<ChatKey, Conv>(),
  current: P2P as ChatKey,
  msgs: new Map<string, Msg>(),
  order: [] as string[],
  sentIn: new Map<string, ChatKey>(),
  p2pChatIds: new Set<string>(),
  closeStream: null as null | (() => void),
};

const probe: SandboxProbe = { ready: false, history: false, me: null, unsupported: [], live: false };
(window as unknown as { sandbox: SandboxProbe }).sandbox = probe;

const $ = <T extends HTMLElement = HTMLElement>(sel: string, root: ParentNode = document): T => root.querySelector(sel) as T;
const t = (k: Parameters<typeof tr>[1], v?: Record<string, string>) => tr(state.locale, k, v);

function nameOf(id: string): string | null {
  const p = state.people.find((x) => x.openId === id || x.userId === id);
  return p ? p.name : null;
}

// ------------------------------------------------------------------ the frame

function frame(): void {
  document.documentElement.lang = state.locale;
  document.title = t('title');
  document.body.innerHTML = `
  <div class="app">
    <aside class="side">
      <div class="brand"><div class="logo">CRM</div><div><div class="brand-title">${esc(t('title'))}</div><div class="brand-sub">${esc(t('subtitle'))}</div></div></div>
      <label class="who"><span>${esc(t('iam'))}</span><select id="who" aria-label="${esc(t('iam'))}"></select></label>
      <div class="lang"><button type="button" data-lang="zh-CN" class="${state.locale === 'zh-CN' ? 'on' : ''}">中文</button><button type="button" data-lang="en" class="${state.locale === 'en' ? 'on' : ''}">English</button></div>
      <div class="conv-head">${esc(t('chats'))}</div>
      <ul class="convs" id="convs"></ul>
      <div class="conn" id="conn">${esc(t('connecting'))}</div>
    </aside>
    <main class="chat">
      <header class="chat-head"><div class="chat-title" id="chat-title"></div><div class="chat-sub" id="chat-sub"></div></header>
      <section class="msgs" id="msgs" aria-live="polite"></section>
      <form class="composer" id="composer">
        <textarea id="input" rows="2" placeholder="${esc(t('placeholder'))}" aria-label="${esc(t('placeholder'))}"></textarea>
        <button type="submit" class="send" id="send">${esc(t('send'))}</button>
      </form>
    </main>
  </div>
  <div class="toasts" id="toasts"></div>
  <div class="modal" id="modal" hidden></div>`;
  fillPeople();
  drawConvs();
  drawChat();
  bindFrame();
}

function fillPeople(): void {
  const sel = $<HTMLSelectElement>('#who');
  sel.innerHTML = state.people
    .map((p) => `<option value="${esc(p.openId)}"${state.me?.openId === p.openId ? ' selected' : ''}>${esc(`${p.name} · ${roleLabel(state.locale, p.role)}${p.team ? ' · ' + p.team : ''}`)}</option>`)
    .join('');
  if (!state.people.length) sel.innerHTML = `<option>${esc(t('noPeople'))}</option>`;
}

function drawConvs(): void {
  const ul = $('#convs');
  if (!ul) return;
  ul.innerHTML = [...state.convs.values()]
    .map(
      (c) => `<li><button type="button" class="conv${c.key === state.current ? ' on' : ''}" data-conv="${esc(c.key)}">
        <span class="conv-avatar ${c.kind}">${esc(c.kind === 'p2p' ? 'C' : [...c.name][0] ?? '#')}</span>
        <span class="conv-text"><span class="conv-name">${esc(c.name)}</span><span class="conv-last">${esc(c.last)}</span></span>
        ${c.unread ? `<span class="badge">${c.unread}</span>` : ''}</button></li>`,
    )
    .join('');
}

function drawChat(): void {
  const conv = state.convs.get(state.current);
  $('#chat-title').textContent = conv?.name ?? '';
  $('#chat-sub').textContent = conv ? (conv.kind === 'p2p' ? t('botP2p') : t('group')) : '';
  const box = $('#msgs');
  box.innerHTML = '';
  const mine = state.order.map((id) => state.msgs.get(id)!).filter((m) => m.chat === state.current);
  if (!mine.length) box.innerHTML = `<div class="empty">${esc(t('empty'))}</div>`;
  for (const m of mine) box.appendChild(drawMsg(m));
  box.scrollTop = box.scrollHeight;
}

function time(at: number): string {
  const d = new Date(at);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

function contentOf(m: Msg): Record<string, unknown> {
  if (typeof m.content === 'string') {
    try {
      return JSON.parse(m.content) as Record<string, unknown>;
    } catch {
      return { text: m.content };
    }
  }
  return m.content;
}

/** A post (rich text) → plain lines. */
function postText(c: Record<string, unknown>): string {
  const body = (c.content ? c : (c.zh_cn ?? c.en_us ?? Object.values(c)[0])) as { title?: string; content?: { text?: string }[][] } | undefined;
  if (!body) return '';
  return [body.title ?? '', ...(body.content ?? []).map((p) => p.map((x) => x.text ?? '').join(''))].filter(Boolean).join('\n');
}

function drawMsg(m: Msg): HTMLElement {
  const el = document.createElement('div');
  el.className = `msg ${m.from}${m.mine ? ' mine' : ''}`;
  el.dataset.mid = m.id;
  const c = contentOf(m);
  let inner: string;
  if (m.msgType === 'interactive') {
    const r = renderCard(c, { locale: state.locale, nameOf });
    m.rendered = r;
    for (const u of r.unsupported) if (!probe.unsupported.includes(u)) probe.unsupported.push(u);
    inner = `<div class="bubble card-bubble">${r.html}</div>`;
  } else if (m.msgType === 'text') {
    inner = `<div class="bubble text-bubble">${renderText(c.text, { nameOf })}</div>`;
  } else if (m.msgType === 'post') {
    inner = `<div class="bubble text-bubble">${renderText(postText(c), { nameOf })}</div>`;
  } else {
    if (!probe.unsupported.includes(`msg:${m.msgType}`)) probe.unsupported.push(`msg:${m.msgType}`);
    inner = `<div class="bubble text-bubble unsupported">${esc(t('unsupportedMsg', { t: m.msgType }))}</div>`;
  }
  const who = m.from === 'bot' ? t('bot') : m.sender;
  el.innerHTML = `<div class="avatar ${m.from}">${esc(m.from === 'bot' ? 'C' : [...who][0] ?? '?')}</div><div class="bubble-wrap"><div class="meta">${esc(who)} · ${esc(time(m.at))}${m.updated ? ` · <span class="upd">${esc(t('edited'))}</span>` : ''}</div>${inner}</div>`;
  m.el = el;
  return el;
}

function summary(m: Msg): string {
  const c = contentOf(m);
  if (m.msgType === 'text') return String(c.text ?? '').slice(0, 40);
  if (m.msgType === 'interactive') {
    const h = (c.header as { title?: { content?: string } } | undefined)?.title?.content;
    return `[${state.locale === 'en' ? 'Card' : '卡片'}] ${h ?? ''}`.slice(0, 40);
  }
  return `[${m.msgType}]`;
}

// ------------------------------------------------------------------ conversations and messages

function ensureConv(key: ChatKey, name?: string): Conv {
  let c = state.convs.get(key);
  if (!c) {
    c = { key, name: name ?? (key === P2P ? t('bot') : `${t('group')} ${key.slice(-6)}`), kind: key === P2P ? 'p2p' : 'group', unread: 0, last: '' };
    state.convs.set(key, c);
  } else if (name) c.name = name;
  return c;
}

/** The conversation a message shows in: the server names it (chatId); the bot's direct chat is 'p2p' here. */
function chatOf(m: api.StreamMessage): ChatKey {
  if (m.from === 'user' && state.sentIn.has(m.messageId)) return state.sentIn.get(m.messageId)!;
  if (m.replyTo && state.sentIn.has(m.replyTo)) return state.sentIn.get(m.replyTo)!;
  const chat = m.chatId ?? (m.receiveIdType === 'chat_id' ? m.receiveId : null);
  if (!chat || state.p2pChatIds.has(chat) || chat.startsWith('oc_p2p_')) return P2P;
  return chat;
}

function addMessage(m: Msg): void {
  const existing = state.msgs.get(m.id);
  if (existing) {
    // The stream replays the history after a reconnect: only a card that changed meanwhile is redrawn.
    if (m.from === 'bot' && JSON.stringify(existing.content) !== JSON.stringify(m.content)) replaceContent(existing, m.content, false);
    return;
  }
  state.msgs.set(m.id, m);
  state.order.push(m.id);
  const conv = ensureConv(m.chat);
  conv.last = summary(m);
  if (m.chat === state.current) {
    const box = $('#msgs');
    box.querySelector('.empty')?.remove();
    const near = box.scrollHeight - box.scrollTop - box.clientHeight < 120;
    box.appendChild(drawMsg(m));
    if (near || m.from === 'user') box.scrollTop = box.scrollHeight;
  } else conv.unread++;
  drawConvs();
}

function replaceContent(m: Msg, content: Record<string, unknown> | string, fromAnswer: boolean): void {
  m.content = content;
  m.updated = true;
  const old = m.el;
  if (old && old.isConnected) {
    const fresh = drawMsg(m);
    old.replaceWith(fresh);
    if (fromAnswer) fresh.classList.add('flash');
  }
  const conv = state.convs.get(m.chat);
  if (conv) conv.last = summary(m);
  drawConvs();
}

// ------------------------------------------------------------------ toasts and confirm

function toast(content: string, type = 'info'): void {
  const box = $('#toasts');
  const el = document.createElement('div');
  el.className = `toast toast-${/^(success|info|warning|error)$/.test(type) ? type : 'info'}`;
  el.setAttribute('role', 'status');
  el.textContent = content;
  box.appendChild(el);
  setTimeout(() => el.remove(), 4000);
}

function confirmBox(title: string, text: string): Promise<boolean> {
  const modal = $('#modal');
  modal.innerHTML = `<div class="dialog" role="dialog" aria-modal="true"><div class="dialog-title">${esc(title)}</div><div class="dialog-text">${esc(text)}</div><div class="dialog-actions"><button type="button" class="btn btn-default" data-answer="no">${esc(t('cancel'))}</button><button type="button" class="btn btn-primary" data-answer="yes">${esc(t('ok'))}</button></div></div>`;
  modal.hidden = false;
  return new Promise((resolve) => {
    modal.onclick = (e) => {
      const b = (e.target as HTMLElement).closest('[data-answer]') as HTMLElement | null;
      if (!b) return;
      modal.hidden = true;
      modal.onclick = null;
      resolve(b.dataset.answer === 'yes');
    };
  });
}

// ------------------------------------------------------------------ card actions

function tzSuffix(): string {
  const off = -new Date().getTimezoneOffset();
  const a = Math.abs(off);
  return `${off >= 0 ? '+' : '-'}${String(Math.floor(a / 60)).padStart(2, '0')}${String(a % 60).padStart(2, '0')}`;
}

/** What Lark sends for a picker: "2026-12-08 +0800", "09:30 +0800", "2026-12-08 09:30 +0800". */
function pickerValue(el: HTMLInputElement): string {
  if (!el.value) return '';
  return `${el.value.replace('T', ' ')} ${tzSuffix()}`;
}

function fieldValue(el: HTMLElement): unknown {
  if (el instanceof HTMLSelectElement) return el.multiple ? Array.from(el.selectedOptions).map((o) => o.value) : el.value;
  if (el instanceof HTMLTextAreaElement) return el.value;
  if (el instanceof HTMLInputElement) {
    if (el.type === 'checkbox') return el.checked;
    if (el.type === 'date' || el.type === 'time' || el.type === 'datetime-local') return pickerValue(el);
    return el.value;
  }
  return undefined;
}

function controlOf(el: HTMLElement): { msg: Msg; ctl: Control } | null {
  const mEl = el.closest('.msg') as HTMLElement | null;
  const msg = mEl ? state.msgs.get(mEl.dataset.mid ?? '') : undefined;
  const ctl = msg?.rendered?.controls[Number(el.dataset.ctl)];
  return msg && ctl ? { msg, ctl } : null;
}

function formValues(form: HTMLElement, msg: Msg): { values: Record<string, unknown>; missing: boolean } {
  const values: Record<string, unknown> = {};
  let missing = false;
  for (const el of Array.from(form.querySelectorAll<HTMLElement>('[data-ctl]'))) {
    const ctl = msg.rendered?.controls[Number(el.dataset.ctl)];
    if (!ctl || !ctl.name || ctl.tag === 'button') continue;
    const v = fieldValue(el);
    if (v === undefined) continue;
    const empty = v === '' || (Array.isArray(v) && !v.length);
    if (empty && el.hasAttribute('required')) {
      missing = true;
      el.classList.add('invalid');
    } else el.classList.remove('invalid');
    if (empty && ctl.tag !== 'input') continue;
    values[ctl.name] = v;
  }
  return { values, missing };
}

async function act(msg: Msg, body: Omit<api.ActionBody, 'as' | 'messageId'>, cardEl: HTMLElement | null): Promise<void> {
  if (!state.me) return;
  cardEl?.classList.add('busy');
  try {
    const answer = await api.sendAction({ as: state.me.openId, messageId: msg.id, ...body });
    if (answer.toast?.content) toast(answer.toast.content, answer.toast.type);
    const card = answer.card as Record<string, unknown> | null | undefined;
    if (card) replaceContent(msg, card.type === 'raw' && card.data ? (card.data as Record<string, unknown>) : card, true);
  } catch (e) {
    toast(`${t('actionFailed')}: ${(e as Error).message}`, 'error');
  } finally {
    cardEl?.classList.remove('busy');
  }
}

async function onControl(el: HTMLElement, kind: 'click' | 'change' | 'enter'): Promise<void> {
  const found = controlOf(el);
  if (!found) return;
  const { msg, ctl } = found;
  if (ctl.disabled || (el as HTMLButtonElement).disabled) return;
  const cardEl = el.closest('.card') as HTMLElement | null;
  if (cardEl?.classList.contains('busy')) return;
  const formEl = ctl.form ? (el.closest('form[data-form]') as HTMLFormElement | null) : null;

  if (kind === 'click' && (ctl.tag === 'button' || ctl.tag === 'interactive_container' || ctl.tag === 'overflow')) {
    if (ctl.formAction === 'reset' && formEl) {
      formEl.reset();
      return;
    }
    if (ctl.confirm && !(await confirmBox(ctl.confirm.title, ctl.confirm.text))) return;
    if (ctl.formAction === 'submit' && formEl) {
      const { values, missing } = formValues(formEl, msg);
      if (missing) {
        toast(state.locale === 'en' ? 'Please fill in the required fields' : '请填写必填项', 'warning');
        return;
      }
      await act(msg, { value: ctl.value ?? {}, tag: 'button', name: ctl.name, formValue: values }, cardEl);
      return;
    }
    if (ctl.value !== undefined) await act(msg, { value: ctl.value, tag: ctl.tag, ...(ctl.name ? { name: ctl.name } : {}) }, cardEl);
    else if (ctl.url) window.open(ctl.url, '_blank', 'noopener');
    return;
  }
  // A field outside a form calls back on its own (Lark: select → option, picker → option, input → input_value).
  if (formEl || ctl.value === undefined) return;
  const v = fieldValue(el);
  if (kind === 'change' && (ctl.tag.includes('select') || ctl.tag.startsWith('picker') || ctl.tag === 'date_picker')) {
    if (Array.isArray(v)) await act(msg, { value: ctl.value, tag: ctl.tag, name: ctl.name, formValue: ctl.name ? { [ctl.name]: v } : undefined }, cardEl);
    else await act(msg, { value: ctl.value, tag: ctl.tag, name: ctl.name, option: String(v ?? '') }, cardEl);
  } else if ((kind === 'change' && ctl.tag === 'checker') || (kind === 'enter' && ctl.tag === 'input')) {
    // The bot reads input_value / checked into form_value under the field's name (bot/normalize.ts): send that.
    await act(msg, { value: ctl.value, tag: ctl.tag, name: ctl.name, formValue: ctl.name ? { [ctl.name]: ctl.tag === 'checker' ? v === true : String(v ?? '') } : undefined }, cardEl);
  }
}

// ------------------------------------------------------------------ sending

async function send(): Promise<void> {
  const input = $<HTMLTextAreaElement>('#input');
  const text = input.value.trim();
  if (!text || !state.me) return;
  input.value = '';
  const me = state.me;
  const chat = state.current;
  try {
    const r = await api.sendMessage(me.openId, text, chat);
    state.sentIn.set(r.messageId, chat);
    if (state.me === me) addMessage({ id: r.messageId, chat, from: 'user', sender: me.name, mine: true, msgType: 'text', content: { text }, at: Date.now(), updated: false });
  } catch (e) {
    input.value = text;
    toast(`${t('sendFailed')}: ${(e as Error).message}`, 'error');
  }
}

// ------------------------------------------------------------------ wiring

function bindFrame(): void {
  $<HTMLSelectElement>('#who').addEventListener('change', (e) => {
    const p = state.people.find((x) => x.openId === (e.target as HTMLSelectElement).value);
    if (p) void become(p);
  });
  for (const b of Array.from(document.querySelectorAll<HTMLElement>('[data-lang]'))) {
    b.addEventListener('click', () => {
      state.locale = b.dataset.lang === 'en' ? 'en' : 'zh-CN';
      store('sandbox.lang', state.locale);
      const p2p = state.convs.get(P2P);
      if (p2p) p2p.name = t('bot');
      frame();
    });
  }
  $('#convs').addEventListener('click', (e) => {
    const b = (e.target as HTMLElement).closest('[data-conv]') as HTMLElement | null;
    if (!b) return;
    state.current = b.dataset.conv ?? P2P;
    const c = state.convs.get(state.current);
    if (c) c.unread = 0;
    drawConvs();
    drawChat();
  });
  $('#composer').addEventListener('submit', (e) => {
    e.preventDefault();
    void send();
  });
  $<HTMLTextAreaElement>('#input').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      void send();
    }
  });
  const msgs = $('#msgs');
  msgs.addEventListener('click', (e) => {
    const el = (e.target as HTMLElement).closest('button[data-ctl], .icontainer[data-ctl]') as HTMLElement | null;
    if (el) void onControl(el, 'click');
  });
  msgs.addEventListener('change', (e) => {
    const el = (e.target as HTMLElement).closest('[data-ctl]') as HTMLElement | null;
    if (el && !(el instanceof HTMLButtonElement)) void onControl(el, 'change');
  });
  msgs.addEventListener('keydown', (e) => {
    const el = e.target as HTMLElement;
    if (e.key === 'Enter' && el instanceof HTMLInputElement && el.dataset.ctl && !e.isComposing) {
      e.preventDefault();
      void onControl(el, 'enter');
    }
  });
  msgs.addEventListener('submit', (e) => e.preventDefault());
}

function setConn(live: boolean): void {
  probe.live = live;
  const el = $('#conn');
  if (!el) return;
  el.textContent = live ? t('live') : t('offline');
  el.className = `conn ${live ? 'live' : 'off'}`;
}

async function become(p: api.Person): Promise<void> {
  state.closeStream?.();
  state.me = p;
  probe.me = p.openId;
  probe.live = false;
  store('sandbox.as', p.openId);
  const url = new URL(location.href);
  url.searchParams.set('as', p.openId);
  history.replaceState(null, '', url);
  state.convs = new Map();
  state.msgs = new Map();
  state.order = [];
  state.sentIn = new Map();
  state.p2pChatIds = new Set();
  state.current = P2P;
  probe.history = false;
  ensureConv(P2P, t('bot'));
  for (const c of [...(p.chats ?? []), ...(await api.chats(p.openId))]) {
    if (c.type === 'p2p') state.p2pChatIds.add(c.chatId);
    else ensureConv(c.chatId, c.name);
  }
  frame();
  state.closeStream = api.stream(p.openId, {
    state: (s) => setConn(s === 'live'),
    ready: () => {
      if (state.me === p) probe.history = true;
    },
    message: (m) => {
      if (state.me !== p) return;
      const from = m.from === 'user' ? 'user' : 'bot';
      const at = typeof m.at === 'number' ? m.at : m.at ? Date.parse(m.at) : Date.now();
      const mine = from === 'user' && (!m.sender || m.sender === p.openId);
      addMessage({ id: m.messageId, chat: chatOf(m), from, sender: from === 'user' ? (m.sender && nameOf(m.sender)) || p.name : t('bot'), mine, msgType: m.msgType, content: m.content, at: Number.isFinite(at) ? at : Date.now(), updated: false });
    },
    update: (u) => {
      const m = state.msgs.get(u.messageId);
      if (m && state.me === p) replaceContent(m, u.content, false);
    },
  });
}

async function start(): Promise<void> {
  try {
    state.people = await api.people();
  } catch (e) {
    state.people = [];
    frame();
    toast((e as Error).message, 'error');
    return;
  }
  const want = params.get('as') ?? stored('sandbox.as');
  const me = state.people.find((p) => p.openId === want || p.userId === want) ?? state.people.find((p) => p.role === 'rep') ?? state.people[0];
  if (me) await become(me);
  else frame();
  probe.ready = true;
}

void start();
