import { esc, attr, safeUrl, token } from './escape';

/**
 * Lark card markdown → HTML. What Lark renders: **bold**, *italic*, ~~strike~~, `code`, [links](url), lists (- / 1.),
 * headings (#), ``` fences, <font color='red'>…</font>, <at id=…></at>, <br>, <text_tag color=…>…</text_tag>,
 * HTML entities (bot/cards/kit.ts `md()` escapes user text with them: &#42; is a literal *, never bold).
 *
 * Safe by construction: the source is never copied into the output; every character of text is emitted through
 * `esc`, and only the constructs above produce tags.
 */
export interface MarkdownOptions {
  /** A display name for an <at id=…> mention (open_id / user_id); defaults to the id. */
  nameOf?: (id: string) => string | null | undefined;
  /** 'zh-CN' | 'en': the label of @all. */
  locale?: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: '\u00a0' };
// Private-use code points stand for decoded entities while the inline rules run, so a decoded "*" is never markup.
const PUA = 0xe000;
const PUA_END = 0xf8ff;

function decodeEntity(e: string): string | null {
  const m = /^&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});$/.exec(e);
  if (!m) return null;
  const body = m[1];
  let cp: number | null = null;
  if (body[0] === '#') cp = body[1] === 'x' || body[1] === 'X' ? parseInt(body.slice(2), 16) : parseInt(body.slice(1), 10);
  else if (ENTITIES[body]) return ENTITIES[body];
  if (cp === null || !Number.isFinite(cp) || cp <= 0 || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return null;
  return String.fromCodePoint(cp);
}

class Literals {
  private list: string[] = [];
  /** Replaces entities with placeholders; placeholders already in the text are dropped (they are not text). */
  protect(src: string): string {
    return src
      .replace(/[\ue000-\uf8ff]/g, '\ufffd')
      .replace(/&(#x[0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z]{2,6});/g, (e) => {
        const d = decodeEntity(e);
        if (d === null || PUA + this.list.length > PUA_END) return e;
        this.list.push(d);
        return String.fromCharCode(PUA + this.list.length - 1);
      });
  }
  /** Placeholders restored, not escaped (for a URL that is checked, then escaped as an attribute). */
  raw(s: string): string {
    return s.replace(/[\ue000-\uf8ff]/g, (c) => this.list[c.charCodeAt(0) - PUA] ?? '');
  }
  /** Text → escaped HTML, placeholders restored (escaped too). */
  text(s: string): string {
    return esc(this.raw(s));
  }
}

// One alternation, tried left to right at each position: code first (nothing inside it is markup).
const INLINE = new RegExp(
  [
    '`([^`\\n]+)`', // 1 code
    '\\*\\*([\\s\\S]+?)\\*\\*', // 2 bold
    '~~([\\s\\S]+?)~~', // 3 strike
    '\\*([^*\\s](?:[^*]*?[^*\\s])?)\\*', // 4 italic
    '\\[([^\\]\\n]*)\\]\\(((?:[^()\\s]|\\([^()\\s]*\\))*)\\)', // 5 text, 6 url (one level of parentheses inside)
    "<font\\s+color\\s*=\\s*['\"]?([#\\w-]+)['\"]?\\s*>([\\s\\S]*?)</font>", // 7 colour, 8 text
    "<at\\s+(?:id|user_id|open_id|email)\\s*=\\s*['\"]?([^'\">\\s]+)['\"]?\\s*>[^<]*</at>", // 9 id
    "<text_tag(?:\\s+color\\s*=\\s*['\"]?([\\w-]+)['\"]?)?\\s*>([\\s\\S]*?)</text_tag>", // 10 colour, 11 text
    '<br\\s*/?>', // line break
    '(https?://[^\\s<>"\'`\\u3000-\\u303f\\uff00-\\uffef)\\]]+)', // 12 a bare URL
  ].join('|'),
  'g',
);

function inline(src: string, lit: Literals, o: MarkdownOptions, depth = 0): string {
  if (depth > 8) return lit.text(src);
  let out = '';
  let last = 0;
  const re = new RegExp(INLINE.source, 'g');
  for (let m = re.exec(src); m; m = re.exec(src)) {
    out += lit.text(src.slice(last, m.index));
    last = m.index + m[0].length;
    const rec = (s: string) => inline(s, lit, o, depth + 1);
    if (m[1] !== undefined) out += `<code>${lit.text(m[1])}</code>`;
    else if (m[2] !== undefined) out += `<strong>${rec(m[2])}</strong>`;
    else if (m[3] !== undefined) out += `<del>${rec(m[3])}</del>`;
    else if (m[4] !== undefined) out += `<em>${rec(m[4])}</em>`;
    else if (m[5] !== undefined) {
      const url = safeUrl(lit.raw(m[6] ?? ''));
      out += url ? `<a href="${attr(url)}" target="_blank" rel="noopener noreferrer">${rec(m[5]) || attr(url)}</a>` : rec(m[5]);
    } else if (m[7] !== undefined) {
      const c = m[7];
      out += /^#[0-9a-fA-F]{3,8}$/.test(c) ? `<span style="color:${c}">${rec(m[8])}</span>` : `<span class="fc fc-${token(c)}">${rec(m[8])}</span>`;
    } else if (m[9] !== undefined) {
      const id = lit.text(m[9]);
      const all = m[9] === 'all';
      const name = all ? (o.locale === 'en' ? 'all' : '所有人') : o.nameOf?.(m[9]) ?? id;
      out += `<span class="at">@${esc(all ? name : name === id ? id : name)}</span>`;
    } else if (m[11] !== undefined) out += `<span class="tag tag-${token(m[10], 'neutral')}">${rec(m[11])}</span>`;
    else if (m[12] !== undefined) {
      const url = safeUrl(lit.raw(m[12]));
      out += url ? `<a href="${attr(url)}" target="_blank" rel="noopener noreferrer">${lit.text(m[12])}</a>` : lit.text(m[12]);
    } else out += '<br>';
  }
  return out + lit.text(src.slice(last));
}

/** Markdown source → HTML (a fragment of block elements). */
export function renderMarkdown(source: unknown, o: MarkdownOptions = {}): string {
  const lit = new Literals();
  const lines = lit.protect(String(source ?? '')).replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  let para: string[] = [];
  let list: { kind: 'ul' | 'ol'; items: string[] } | null = null;
  const flushPara = () => {
    if (para.length) out.push(`<p>${para.map((l) => inline(l, lit, o)).join('<br>')}</p>`);
    para = [];
  };
  const flushList = () => {
    if (list) out.push(`<${list.kind}>${list.items.map((i) => `<li>${i}</li>`).join('')}</${list.kind}>`);
    list = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^\s*```/.test(line)) {
      flushPara();
      flushList();
      const code: string[] = [];
      for (i++; i < lines.length && !/^\s*```/.test(lines[i]); i++) code.push(lines[i]);
      out.push(`<pre><code>${lit.text(code.join('\n'))}</code></pre>`);
      continue;
    }
    const ul = /^\s*[-*+]\s+(.*)$/.exec(line);
    const ol = /^\s*(\d{1,3})[.)]\s+(.*)$/.exec(line);
    const h = /^(#{1,6})\s+(.*)$/.exec(line);
    if (ul || ol) {
      flushPara();
      const kind = ul ? 'ul' : 'ol';
      if (list && list.kind !== kind) flushList();
      if (!list) list = { kind, items: [] };
      list.items.push(inline(ul ? ul[1] : ol![2], lit, o));
    } else if (h) {
      flushPara();
      flushList();
      out.push(`<h${Math.min(h[1].length + 2, 6)} class="md-h">${inline(h[2], lit, o)}</h${Math.min(h[1].length + 2, 6)}>`);
    } else if (/^\s*(-{3,}|\*{3,})\s*$/.test(line)) {
      flushPara();
      flushList();
      out.push('<hr>');
    } else if (!line.trim()) {
      flushPara();
      flushList();
    } else {
      flushList();
      para.push(line);
    }
  }
  flushPara();
  flushList();
  return out.join('');
}

/** Inline-only markdown (button texts, header titles in lark_md): no blocks. */
export function renderInline(source: unknown, o: MarkdownOptions = {}): string {
  const lit = new Literals();
  return String(source ?? '')
    .split(/\r?\n/)
    .map((l) => inline(lit.protect(l), lit, o))
    .join('<br>');
}
