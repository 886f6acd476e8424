import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict';

/**
 * Stage 2: Chinese word segmentation with part-of-speech tags (@node-rs/jieba, its shipped dictionary). One
 * segmenter per process, built on first use (~0.3 s, ~40 MB); a message takes ~10 µs.
 * The customer dictionary is NOT loaded into jieba's user dictionary (1M names would cost hundreds of MB there):
 * the compact matcher in dictionary.ts is consulted on the text instead (see customer.ts).
 */
export interface Token {
  word: string;
  /** jieba's tag: n noun, nr person, ns place, nt organisation, nz other proper noun, v verb, t time, x punctuation… */
  tag: string;
  start: number;
  end: number;
}

let jieba: Jieba | null = null;
function segmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** Words with POS tags and their character ranges in `text`. */
export function segment(text: string): Token[] {
  const out: Token[] = [];
  let at = 0;
  for (const { word, tag } of segmenter().tag(text)) {
    const start = text.indexOf(word, at);
    const s = start < 0 ? at : start;
    out.push({ word, tag, start: s, end: s + word.length });
    at = s + word.length;
  }
  return out;
}
