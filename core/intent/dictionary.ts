import { toHalfWidth } from './normalise';

/**
 * The customer dictionary: the names (and short forms) of the customers and leads of one company, matched against
 * chat text. Pure data structure; dictionary-loader.ts fills it from the database and keeps it current.
 *
 * Layout (chosen so 1M customers fit well under 200 MB and a lookup allocates nothing):
 * - every entry (a customer or a lead) is a row of parallel typed arrays: id, kind, owner, team, alive, and its
 *   display name as (offset, length) into one packed UTF-16 pool (Uint16Array);
 * - every alias key (the normalised full name, the name without city prefix / legal suffix / brackets, the core
 *   without the industry word: 宁波港联物流有限公司 → 港联物流 → 港联) is (offset, length, entry, level) with its
 *   characters in the same pool;
 * - one open-addressing hash table (Int32Array, FNV-1a over the key's UTF-16 units) maps a key to its aliases.
 * Matching a message walks each start position and extends a rolling hash one character at a time (bounded by the
 * longest key): O(length × longest key) probes, no substring is ever created.
 * A change (refresh) tombstones the entry's old row and appends a new one; `compact()` rebuilds when tombstones pile up.
 * jieba's own dictionary is not used for this: 1M names in its user dictionary cost far more memory and load time.
 */

export type EntryKind = 'customer' | 'lead';
export interface DictionaryRecord {
  id: number;
  kind: EntryKind;
  name: string;
  ownerId: number | null;
  teamId: number | null;
}
export interface Viewer {
  userId: string | number;
  role: string;
  teamIds?: Array<string | number>;
}
export interface DictionaryHit {
  id: number;
  kind: EntryKind;
  name: string;
  /** Where the matched text is in the searched string. */
  start: number;
  end: number;
  /** 0 the full name, 1 without city / legal suffix, 2 a short form (core without the industry word), 3 one character off. */
  level: number;
  exact: boolean;
  score: number;
  /** How many visible records share the matched key (>1: ambiguous short form). */
  candidates: number;
}

const CITIES = [
  '北京', '上海', '天津', '重庆', '广州', '深圳', '杭州', '宁波', '南京', '苏州', '无锡', '常州', '合肥', '武汉', '成都', '西安', '青岛',
  '厦门', '福州', '长沙', '郑州', '济南', '沈阳', '大连', '哈尔滨', '长春', '石家庄', '太原', '南昌', '南宁', '昆明', '贵阳', '兰州',
  '海口', '佛山', '东莞', '温州', '绍兴', '嘉兴', '湖州', '台州', '金华', '义乌', '泉州', '珠海', '中山', '惠州', '烟台', '潍坊', '徐州',
  '扬州', '南通', '芜湖', '洛阳', '唐山', '保定', '呼和浩特', '乌鲁木齐', '银川', '西宁', '拉萨', '香港', '澳门', '台湾',
  '浙江', '江苏', '广东', '山东', '安徽', '福建', '河南', '河北', '湖南', '湖北', '四川', '江西', '广西', '云南', '贵州', '陕西',
  '山西', '辽宁', '吉林', '黑龙江', '甘肃', '海南', '内蒙古', '新疆', '宁夏', '青海', '西藏', '中国',
].sort((a, b) => b.length - a.length);
const CITY_RE = new RegExp(`^(?:${CITIES.join('|')})(?:省|市|自治区)?`);
const LEGAL_RE = /(?:集团股份有限公司|集团有限公司|股份有限公司|有限责任公司|有限公司|股份公司|分公司|总公司|公司|集团|控股|(?:co\.?,?\s*)?(?:ltd\.?|limited|inc\.?|corp\.?|corporation|llc|plc|gmbh|group|co\.?|company))$/i;
const INDUSTRY_RE = /(?:信息技术|网络科技|智能科技|电子科技|生物科技|医疗科技|新能源|供应链|科技|技术|网络|信息|软件|电子|电气|电器|贸易|商贸|实业|制造|物流|传媒|文化|教育|咨询|制药|药业|机械|机电|建设|建筑|设计|能源|汽车|地产|置业|食品|服饰|医疗|生物|材料|智能|数据|电商|精工|精密|化工|环保|工程|装备|仪器|五金|塑料|纺织|家居|包装|印刷|冷链|航运|国际|工业|自动化|光电|通信|半导体|创新|industries|industry|technologies|technology|tech|systems|solutions|logistics|trading|holdings|international|enterprises)$/i;
const BRACKETS_RE = /[（(][^）)]*[）)]/g;

/** The matching form of a name or of chat text: half-width, ASCII lower case, one space between words. */
export function keyForm(s: string): string {
  return toHalfWidth(s).toLowerCase().replace(/\s+/g, ' ').trim();
}

/** Alias keys of a name, by level (see DictionaryHit.level); each distinct, ≥ 2 characters. */
export function aliasesOf(name: string): Array<{ key: string; level: number }> {
  const full = keyForm(name);
  const out: Array<{ key: string; level: number }> = [];
  const add = (key: string, level: number) => {
    const k = key.replace(/[\s,.\-·]+$/, '').trim();
    if (k.length >= 2 && k.length <= 60 && !out.some((o) => o.key === k)) out.push({ key: k, level });
  };
  add(full, 0);
  let s = full.replace(BRACKETS_RE, '');
  add(s, 1);
  for (let i = 0; i < 3; i++) s = s.replace(LEGAL_RE, '').trim();
  add(s, 1);
  const noCity = s.replace(CITY_RE, '');
  if (noCity.length >= 2) s = noCity;
  add(s, 1);
  // The core: without the industry words (港联物流 → 港联), kept only when ≥ 2 characters remain.
  let core = s;
  for (let i = 0; i < 2; i++) {
    const next = core.replace(INDUSTRY_RE, '').trim();
    if (next.length >= 2 && next !== core) core = next;
  }
  if (core !== s && (/[\u4e00-\u9fa5]/.test(core) ? core.length >= 2 : core.length >= 3)) add(core, 2);
  return out;
}

/** One-character-off index: keys of this many characters (names without city and legal suffix: 港联物流). */
const SUB_MIN = 3;
const SUB_MAX = 12;
/** FNV over a key with position i as a wildcard. */
function subHash(key: string, i: number): number {
  let h = FNV0;
  for (let k = 0; k < key.length; k++) h = fnvStep(h, k === i ? 0xffff : foldUnit(key.charCodeAt(k)));
  return h;
}
const bigram = (a: number, b: number) => (Math.imul(a, 31) + b) & 0xffff;
function fnvStep(h: number, c: number): number {
  return Math.imul(h ^ c, 16777619);
}
const FNV0 = 2166136261 | 0;
/** ASCII upper → lower and full-width → half-width for one UTF-16 unit (the text side of keyForm). */
function foldUnit(c: number): number {
  if (c >= 0xff01 && c <= 0xff5e) c -= 0xfee0;
  if (c >= 65 && c <= 90) c += 32;
  return c;
}

class Grow {
  static i32(a: Int32Array, n: number): Int32Array {
    if (n <= a.length) return a;
    const b = new Int32Array(Math.max(n, a.length * 2));
    b.set(a);
    return b;
  }
  static u8(a: Uint8Array, n: number): Uint8Array {
    if (n <= a.length) return a;
    const b = new Uint8Array(Math.max(n, a.length * 2));
    b.set(a);
    return b;
  }
  static u16(a: Uint16Array, n: number): Uint16Array {
    if (n <= a.length) return a;
    const b = new Uint16Array(Math.max(n, a.length * 2));
    b.set(a);
    return b;
  }
}

const KIND: EntryKind[] = ['customer', 'lead'];

export class CustomerDictionary {
  private pool: Uint16Array = new Uint16Array(1024);
  private poolLen = 0;
  // entries
  private eId: Int32Array = new Int32Array(64);
  private eKind: Uint8Array = new Uint8Array(64);
  private eOwner: Int32Array = new Int32Array(64);
  private eTeam: Int32Array = new Int32Array(64);
  private eAlive: Uint8Array = new Uint8Array(64);
  private eNameOff: Int32Array = new Int32Array(64);
  private eNameLen: Uint16Array = new Uint16Array(64);
  private entries = 0;
  private live = 0;
  // aliases
  private aOff: Int32Array = new Int32Array(128);
  private aLen: Uint8Array = new Uint8Array(128);
  private aLevel: Uint8Array = new Uint8Array(128);
  private aEntry: Int32Array = new Int32Array(128);
  private aliases = 0;
  // key hash → alias index + 1
  private table: Int32Array = new Int32Array(256);
  // one character off: hash of a key with one position replaced by a wildcard → alias index × 16 + position + 1
  private subTable: Int32Array = new Int32Array(256);
  private subs = 0;
  // (kind, id) → entry index + 1
  private idTable: Int32Array = new Int32Array(128);
  private maxKey = 2;
  /** One bit per hash of a key's first two characters: start positions no key begins at are skipped. */
  private starts = new Uint8Array(8192);
  /** Highest updated_at seen (ms since epoch) and the id at it: the loader's incremental-refresh watermark. */
  watermark: Record<EntryKind, { at: number; id: number }> = { customer: { at: 0, id: 0 }, lead: { at: 0, id: 0 } };

  get size(): number {
    return this.live;
  }

  /** Adds or replaces a record (a replaced one keeps no old alias alive). A null name or `alive=false` removes it. */
  upsert(r: DictionaryRecord, alive = true): void {
    const old = this.entryOf(r.kind, r.id);
    // The same record read again (a refresh's overlap window): nothing to do.
    if (old >= 0 && this.eAlive[old] && alive && this.eOwner[old] === (r.ownerId ?? -1) && this.eTeam[old] === (r.teamId ?? -1) && this.nameOf(old) === r.name?.trim().slice(0, 200)) return;
    if (old >= 0 && this.eAlive[old]) {
      this.eAlive[old] = 0;
      this.live--;
    }
    if (!alive || !r.name?.trim()) {
      if (old >= 0) this.setId(r.kind, r.id, -1);
      return;
    }
    const e = this.entries++;
    this.eId = Grow.i32(this.eId, e + 1);
    this.eKind = Grow.u8(this.eKind, e + 1);
    this.eOwner = Grow.i32(this.eOwner, e + 1);
    this.eTeam = Grow.i32(this.eTeam, e + 1);
    this.eAlive = Grow.u8(this.eAlive, e + 1);
    this.eNameOff = Grow.i32(this.eNameOff, e + 1);
    this.eNameLen = Grow.u16(this.eNameLen, e + 1);
    this.eId[e] = r.id;
    this.eKind[e] = r.kind === 'lead' ? 1 : 0;
    this.eOwner[e] = r.ownerId ?? -1;
    this.eTeam[e] = r.teamId ?? -1;
    this.eAlive[e] = 1;
    const name = r.name.trim().slice(0, 200);
    this.eNameOff[e] = this.putString(name);
    this.eNameLen[e] = name.length;
    this.live++;
    this.setId(r.kind, r.id, e);
    const aliases = aliasesOf(name);
    // Only the shortest level-1 key (the name without city and legal suffix: 港联物流) gets the one-character-off index.
    const subKey = aliases.filter((a) => a.level === 1).at(-1)?.key;
    for (const a of aliases) this.addAlias(a.key, a.level, e, a.key === subKey);
  }

  remove(kind: EntryKind, id: number): void {
    this.upsert({ id, kind, name: '', ownerId: null, teamId: null }, false);
  }

  /** Rebuilds the arrays without tombstones (after heavy churn). */
  compact(): void {
    if (this.entries - this.live < this.live / 2) return;
    const records: DictionaryRecord[] = [];
    for (let e = 0; e < this.entries; e++) if (this.eAlive[e]) records.push(this.record(e));
    const mark = this.watermark;
    Object.assign(this, new CustomerDictionary());
    this.watermark = mark;
    for (const r of records) this.upsert(r);
  }

  /** The record of an id (tests, the bot's "did you mean"). */
  get(kind: EntryKind, id: number): DictionaryRecord | null {
    const e = this.entryOf(kind, id);
    return e >= 0 && this.eAlive[e] ? this.record(e) : null;
  }

  /** Bytes held by the typed arrays (the dictionary's memory, without the JS object overhead). */
  bytes(): number {
    return [this.subTable, this.starts, this.pool, this.eId, this.eKind, this.eOwner, this.eTeam, this.eAlive, this.eNameOff, this.eNameLen, this.aOff, this.aLen, this.aLevel, this.aEntry, this.table, this.idTable]
      .reduce((n, a) => n + a.byteLength, 0);
  }

  /**
   * Every record key found in `text` that `viewer` may see (no viewer: all), longest first. Overlapping hits are
   * all returned; customer.ts picks one.
   */
  findAll(text: string, viewer?: Viewer | null): DictionaryHit[] {
    const hits: DictionaryHit[] = [];
    const n = text.length;
    const mask = this.table.length - 1;
    for (let i = 0; i + 1 < n; i++) {
      const b = bigram(foldUnit(text.charCodeAt(i)), foldUnit(text.charCodeAt(i + 1)));
      if (!(this.starts[b >> 3] & (1 << (b & 7)))) continue;
      let h = FNV0;
      const stop = Math.min(n, i + this.maxKey);
      for (let j = i; j < stop; j++) {
        const c = foldUnit(text.charCodeAt(j));
        h = fnvStep(h, c);
        const len = j - i + 1;
        if (len < 2) continue;
        for (let s = h & mask; this.table[s] !== 0; s = (s + 1) & mask) {
          const a = this.table[s] - 1;
          if (this.aLen[a] !== len || !this.sameKey(a, text, i)) continue;
          const e = this.aEntry[a];
          if (!this.eAlive[e] || !this.visible(e, viewer)) continue;
          this.pushHit(hits, e, i, j + 1, this.aLevel[a]);
        }
      }
    }
    return finishHits(hits);
  }

  /** Looks one candidate string up as a whole: exactly, then one character off (a typo, a missing or extra character). */
  lookup(candidate: string, viewer?: Viewer | null): DictionaryHit | null {
    const key = keyForm(candidate);
    const exact = this.findKey(key, viewer);
    if (exact.length) return finishHits(exact.map((h) => ({ ...h, start: 0, end: candidate.length })))[0] ?? null;
    for (const a of aliasesOf(candidate)) {
      const hs = this.findKey(a.key, viewer);
      if (hs.length) return finishHits(hs.map((h) => ({ ...h, start: 0, end: candidate.length, level: Math.max(h.level, a.level), exact: false, score: Math.min(h.score, 0.8) })))[0];
    }
    if (key.length < 3) return null;
    // One character off: each deletion of the candidate (an extra character typed) and each substitution with a
    // wildcard at one position (probed through the hash of every variant's neighbours is too costly, so a
    // substitution is tried against the keys that share the rest: deletion on both sides, see sameButOne).
    const found: DictionaryHit[] = [];
    for (const form of [key, ...aliasesOf(candidate).map((a) => a.key).filter((k) => k !== key && k.length >= 3)]) {
      for (let i = 0; i < form.length; i++) {
        const del = form.slice(0, i) + form.slice(i + 1);
        for (const h of this.findKey(del, viewer)) found.push({ ...h, start: 0, end: candidate.length, level: 3, exact: false, score: 0.7 });
        for (const e of this.substituted(form, i)) {
          if (!this.eAlive[e] || !this.visible(e, viewer)) continue;
          this.pushHit(found, e, 0, candidate.length, 3);
          const last = found[found.length - 1];
          last.exact = false;
          last.score = 0.7;
        }
      }
      if (found.length) break;
    }
    return finishHits(found)[0] ?? null;
  }

  /** Entries with a key equal to `key` except at position `i`. */
  private substituted(key: string, i: number): number[] {
    if (key.length < SUB_MIN || key.length > SUB_MAX) return [];
    const out: number[] = [];
    const mask = this.subTable.length - 1;
    for (let s = subHash(key, i) & mask; this.subTable[s] !== 0; s = (s + 1) & mask) {
      const v = this.subTable[s] - 1;
      const a = v >> 4;
      if ((v & 15) !== i || this.aLen[a] !== key.length) continue;
      const off = this.aOff[a];
      let same = true;
      for (let k = 0; k < key.length && same; k++) if (k !== i && this.pool[off + k] !== foldUnit(key.charCodeAt(k))) same = false;
      if (same && this.pool[off + i] !== foldUnit(key.charCodeAt(i))) out.push(this.aEntry[a]);
    }
    return out;
  }

  private addSubs(a: number): void {
    const len = this.aLen[a];
    if (len < SUB_MIN || len > SUB_MAX) return;
    const off = this.aOff[a];
    if ((this.subs + len + 1) * 4 > this.subTable.length * 3) {
      const old = this.subTable;
      this.subTable = new Int32Array(old.length * 2);
      const m2 = this.subTable.length - 1;
      for (const v of old) {
        if (v === 0) continue;
        const aa = (v - 1) >> 4;
        if (!this.eAlive[this.aEntry[aa]]) continue;
        let s = this.poolSubHash(this.aOff[aa], this.aLen[aa], (v - 1) & 15) & m2;
        while (this.subTable[s] !== 0) s = (s + 1) & m2;
        this.subTable[s] = v;
      }
    }
    const mask = this.subTable.length - 1;
    for (let i = 0; i < len; i++) {
      let s = this.poolSubHash(off, len, i) & mask;
      while (this.subTable[s] !== 0) s = (s + 1) & mask;
      this.subTable[s] = a * 16 + i + 1;
      this.subs++;
    }
  }

  private poolSubHash(off: number, len: number, i: number): number {
    let h = FNV0;
    for (let k = 0; k < len; k++) h = fnvStep(h, k === i ? 0xffff : this.pool[off + k]);
    return h;
  }

  private findKey(key: string, viewer?: Viewer | null): DictionaryHit[] {
    const hits: DictionaryHit[] = [];
    let h = FNV0;
    for (let j = 0; j < key.length; j++) h = fnvStep(h, foldUnit(key.charCodeAt(j)));
    const mask = this.table.length - 1;
    for (let s = h & mask; this.table[s] !== 0; s = (s + 1) & mask) {
      const a = this.table[s] - 1;
      if (this.aLen[a] !== key.length || !this.sameKey(a, key, 0)) continue;
      const e = this.aEntry[a];
      if (!this.eAlive[e] || !this.visible(e, viewer)) continue;
      this.pushHit(hits, e, 0, key.length, this.aLevel[a]);
    }
    return hits;
  }

  private pushHit(hits: DictionaryHit[], e: number, start: number, end: number, level: number): void {
    hits.push({
      id: this.eId[e], kind: KIND[this.eKind[e]], name: this.nameOf(e), start, end, level,
      exact: level <= 1, score: level === 0 ? 1 : level === 1 ? 0.95 : 0.8, candidates: 1,
    });
  }

  private visible(e: number, viewer?: Viewer | null): boolean {
    if (!viewer) return true;
    if (viewer.role === 'admin' || viewer.role === 'service' || viewer.role === 'system') return true;
    const owner = this.eOwner[e];
    const uid = Number(viewer.userId);
    if (owner === -1 || owner === uid) return true;
    if (viewer.role === 'manager') {
      const team = this.eTeam[e];
      return team !== -1 && !!viewer.teamIds?.some((t) => Number(t) === team);
    }
    return false;
  }

  private sameKey(a: number, text: string, at: number): boolean {
    const off = this.aOff[a];
    for (let k = 0; k < this.aLen[a]; k++) if (this.pool[off + k] !== foldUnit(text.charCodeAt(at + k))) return false;
    return true;
  }

  private record(e: number): DictionaryRecord {
    return { id: this.eId[e], kind: KIND[this.eKind[e]], name: this.nameOf(e), ownerId: this.eOwner[e] === -1 ? null : this.eOwner[e], teamId: this.eTeam[e] === -1 ? null : this.eTeam[e] };
  }

  private nameOf(e: number): string {
    const off = this.eNameOff[e];
    return String.fromCharCode(...this.pool.subarray(off, off + this.eNameLen[e]));
  }

  private putString(s: string): number {
    const off = this.poolLen;
    this.pool = Grow.u16(this.pool, off + s.length);
    for (let i = 0; i < s.length; i++) this.pool[off + i] = s.charCodeAt(i);
    this.poolLen += s.length;
    return off;
  }

  private addAlias(key: string, level: number, e: number, subIndex = false): void {
    // The full name's key usually equals the stored display name: share its characters.
    const nameOff = this.eNameOff[e];
    const name = this.nameOf(e);
    const inName = name.indexOf(key);
    const off = inName >= 0 ? nameOff + inName : this.putString(key);
    const a = this.aliases++;
    this.aOff = Grow.i32(this.aOff, a + 1);
    this.aLen = Grow.u8(this.aLen, a + 1);
    this.aLevel = Grow.u8(this.aLevel, a + 1);
    this.aEntry = Grow.i32(this.aEntry, a + 1);
    this.aOff[a] = off;
    this.aLen[a] = Math.min(255, key.length);
    this.aLevel[a] = level;
    this.aEntry[a] = e;
    if (key.length > this.maxKey) this.maxKey = Math.min(60, key.length);
    const b = bigram(key.charCodeAt(0), key.charCodeAt(1));
    this.starts[b >> 3] |= 1 << (b & 7);
    if ((this.aliases + 1) * 4 > this.table.length * 3) this.rehash(this.table.length * 2);
    else this.insert(a);
    if (subIndex) this.addSubs(a);
  }

  private keyHash(a: number): number {
    let h = FNV0;
    const off = this.aOff[a];
    for (let k = 0; k < this.aLen[a]; k++) h = fnvStep(h, this.pool[off + k]);
    return h;
  }

  private insert(a: number): void {
    const mask = this.table.length - 1;
    let s = this.keyHash(a) & mask;
    while (this.table[s] !== 0) s = (s + 1) & mask;
    this.table[s] = a + 1;
  }

  private rehash(size: number): void {
    // Dead aliases are dropped from the table (their rows stay until compact()).
    this.table = new Int32Array(size);
    for (let a = 0; a < this.aliases; a++) if (this.eAlive[this.aEntry[a]]) this.insert(a);
  }

  private idSlot(kind: EntryKind, id: number): number {
    return (Math.imul(id, 2654435761) ^ (kind === 'lead' ? 0x5bd1e995 : 0)) >>> 0;
  }

  private entryOf(kind: EntryKind, id: number): number {
    const mask = this.idTable.length - 1;
    const k = kind === 'lead' ? 1 : 0;
    for (let s = this.idSlot(kind, id) & mask; this.idTable[s] !== 0; s = (s + 1) & mask) {
      const e = this.idTable[s] - 1;
      if (e >= 0 && this.eId[e] === id && this.eKind[e] === k) return e;
    }
    return -1;
  }

  private setId(kind: EntryKind, id: number, e: number): void {
    const mask = this.idTable.length - 1;
    const k = kind === 'lead' ? 1 : 0;
    let s = this.idSlot(kind, id) & mask;
    for (; this.idTable[s] !== 0; s = (s + 1) & mask) {
      const cur = this.idTable[s] - 1;
      if (this.eId[cur] === id && this.eKind[cur] === k) {
        if (e >= 0) this.idTable[s] = e + 1;
        return; // a removed id keeps its slot pointing at the dead row (eAlive = 0)
      }
    }
    if (e < 0) return;
    this.idTable[s] = e + 1;
    if (this.entries * 2 > this.idTable.length) {
      const old = this.idTable;
      this.idTable = new Int32Array(old.length * 2);
      const m2 = this.idTable.length - 1;
      for (const v of old) {
        if (v === 0) continue;
        const ee = v - 1;
        let t = this.idSlot(KIND[this.eKind[ee]], this.eId[ee]) & m2;
        while (this.idTable[t] !== 0) t = (t + 1) & m2;
        this.idTable[t] = v;
      }
    }
  }
}

/** Same key matched by several records: one hit per span, best level first, with the count of candidates. */
function finishHits(hits: DictionaryHit[]): DictionaryHit[] {
  const bySpan = new Map<string, DictionaryHit[]>();
  for (const h of hits) {
    const k = `${h.start}:${h.end}`;
    const list = bySpan.get(k);
    if (list) list.push(h);
    else bySpan.set(k, [h]);
  }
  const out: DictionaryHit[] = [];
  for (const list of bySpan.values()) {
    list.sort((a, b) => a.level - b.level || a.name.length - b.name.length || a.id - b.id);
    const best = list[0];
    const ids = new Set(list.map((h) => `${h.kind}:${h.id}`));
    const ambiguous = ids.size > 1 && list[1].level === best.level;
    out.push({ ...best, candidates: ids.size, exact: best.exact && !ambiguous, score: ambiguous ? Math.min(best.score, 0.75) : best.score });
  }
  return out.sort((a, b) => (b.end - b.start) - (a.end - a.start) || a.level - b.level || a.start - b.start);
}
