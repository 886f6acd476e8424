/**
 * Search terms for the knowledge base, the same on MySQL and SQLite.
 *
 * Why a term table and not the databases' full-text search: Chinese has no spaces, so MySQL's default
 * FULLTEXT parser sees a whole sentence as one "word", and the ngram parser exists only in InnoDB on MySQL
 * (MariaDB has none) while SQLite's FTS5 needs its own tokenizer and is not in every build. Overlapping
 * character bigrams are the classic answer for CJK retrieval (most Chinese words are two characters; a
 * three-character word is two overlapping bigrams), and they need no dictionary. English words are indexed
 * whole (lightly stemmed) plus their 3+ letter prefixes, so suggestions work while the customer is still
 * typing. We maintain `kb_terms (term, article_id, weight)` on every write; a query is one indexed
 * `term IN (…)` lookup, ranked by tf-idf × the share of query terms matched. A KB is thousands of
 * articles, not millions: this stays fast and is fully portable.
 */
const HAN = /\p{Script=Han}/u;
const WORD = /[\p{L}\p{N}]/u;
const MAX_TERM = 30;

interface Run {
  han: boolean;
  text: string;
}

function runs(text: string): Run[] {
  const out: Run[] = [];
  let cur: Run | null = null;
  for (const ch of text.normalize('NFKC').toLowerCase()) {
    const han = HAN.test(ch);
    const word = han || WORD.test(ch);
    if (!word) {
      cur = null;
      continue;
    }
    if (!cur || cur.han !== han) {
      cur = { han, text: '' };
      out.push(cur);
    }
    cur.text += ch;
  }
  return out;
}

/** Very light English stemming: plurals and a few common endings, so "printers" finds "printer". */
export function stem(w: string): string {
  if (w.length > 4 && w.endsWith('ies')) return `${w.slice(0, -3)}y`;
  if (w.length > 3 && w.endsWith('s') && !w.endsWith('ss')) return w.slice(0, -1);
  return w;
}

/** Terms of a document field: Han bigrams (and unigrams, weak), words, and word prefixes. */
export function documentTerms(text: string): Map<string, number> {
  const m = new Map<string, number>();
  const add = (t: string, w: number) => m.set(t, (m.get(t) ?? 0) + w);
  for (const r of runs(text)) {
    if (r.han) {
      const cs = [...r.text];
      for (let i = 0; i < cs.length; i++) {
        add(`u:${cs[i]}`, 1);
        if (i + 1 < cs.length) add(cs[i] + cs[i + 1], 2);
      }
    } else {
      const w = stem(r.text).slice(0, MAX_TERM);
      add(w, 2);
      for (let k = 3; k < w.length; k++) add(`p:${w.slice(0, k)}`, 1);
    }
  }
  return m;
}

/**
 * Terms of a query, as slots of alternatives (a slot matches when any alternative does). Han runs of two or
 * more characters give one slot per bigram (a single character: its unigram); English words match whole,
 * and the last word also as a prefix unless the query ends with a space (the customer is still typing).
 */
export function queryTerms(q: string): string[][] {
  const rs = runs(q);
  const slots = new Map<string, string[]>();
  const typingLast = !/\s$/.test(q);
  rs.forEach((r, idx) => {
    if (r.han) {
      const cs = [...r.text];
      if (cs.length === 1) slots.set(`u:${cs[0]}`, [`u:${cs[0]}`]);
      for (let i = 0; i + 1 < cs.length; i++) slots.set(cs[i] + cs[i + 1], [cs[i] + cs[i + 1]]);
    } else {
      const w = stem(r.text).slice(0, MAX_TERM);
      const last = idx === rs.length - 1 && typingLast;
      if (last && r.text.length >= 3) slots.set(w, [w, `p:${r.text.slice(0, MAX_TERM)}`]);
      else if (w.length >= 2 || /\d/.test(w)) slots.set(w, [w]);
    }
  });
  return [...slots.values()];
}

/** Index weights per field: the title matters most, then tags and category, then the body. */
export function articleTerms(a: { title: string; body: string; category: string | null; tags: string[] }): Map<string, number> {
  const total = new Map<string, number>();
  const merge = (m: Map<string, number>, factor: number) => {
    for (const [t, w] of m) total.set(t, Math.min(1000, (total.get(t) ?? 0) + w * factor));
  };
  merge(documentTerms(a.title), 5);
  merge(documentTerms([a.category ?? '', ...a.tags].join(' ')), 3);
  merge(documentTerms(a.body), 1);
  return total;
}
