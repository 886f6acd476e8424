/** Pure statistics and target logic (unit-tested in tests/unit/bench-stats.test.ts, no load involved). */
import type { Figure, Stat } from '../types';
import { TARGETS, type Target, type TargetId } from '../targets';

export function median(xs: number[]): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Median and spread of round samples; noise is half the range, so `median ± noise` covers every round. */
export function stat(samples: number[]): Stat {
  const xs = samples.filter((x) => Number.isFinite(x));
  if (!xs.length) return { median: NaN, min: NaN, max: NaN, noise: NaN, samples: [...samples] };
  const min = Math.min(...xs);
  const max = Math.max(...xs);
  return { median: median(xs), min, max, noise: (max - min) / 2, samples: [...samples] };
}

/** Element-wise ratio a[i] / b[i] of paired rounds (product / baseline), as a Stat. */
export function ratioStat(a: number[], b: number[]): Stat {
  const n = Math.min(a.length, b.length);
  const r: number[] = [];
  for (let i = 0; i < n; i++) r.push(b[i] > 0 ? a[i] / b[i] : NaN);
  return stat(r);
}

/** Nearest-rank percentile of raw values (for latencies collected in-process). */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const rank = Math.ceil((p / 100) * s.length);
  return s[Math.min(s.length, Math.max(1, rank)) - 1];
}

/**
 * Zipf-distributed ids over 1..n, seeded (the same seed draws the same ids, run after run): rank k is drawn with
 * probability ∝ 1/k^s, and ranks are spread over the table by a fixed bijection (rank → id), so the popular
 * customers are scattered across the whole table as real reps' customers are, not ids 1..k. Built from the CDF over
 * all n ranks (8 bytes a rank: 8 MB for 1M customers) and a binary search per draw.
 */
export function zipfSampler(n: number, s: number, seed: number): () => number {
  if (!(n >= 1)) throw new Error('zipfSampler: n must be ≥ 1');
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let k = 1; k <= n; k++) {
    acc += 1 / Math.pow(k, s);
    cdf[k - 1] = acc;
  }
  const rand = mulberry32(seed);
  const spread = rankToId(n, seed);
  return () => {
    const u = rand() * acc;
    let lo = 0;
    let hi = n - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cdf[mid] < u) lo = mid + 1;
      else hi = mid;
    }
    return spread(lo);
  };
}

/** Draws `count` ids from zipfSampler(n, s, seed). */
export function zipfIds(n: number, count: number, seed: number, s = 1): number[] {
  const next = zipfSampler(n, s, seed);
  return Array.from({ length: count }, next);
}

/** A seeded bijection of 0..n-1 onto ids 1..n: k ↦ (a·k + b) mod n + 1 with a coprime to n. */
export function rankToId(n: number, seed: number): (rank: number) => number {
  const gcd = (x: number, y: number): number => (y ? gcd(y, x % y) : x);
  let a = Math.max(1, Math.floor(n * 0.6180339887)) | 1;
  while (gcd(a, n) !== 1) a++;
  const b = seed % n;
  return (k) => Number((BigInt(a) * BigInt(k) + BigInt(b)) % BigInt(n)) + 1;
}

/** A small seeded PRNG (uniform in [0, 1)). */
export function mulberry32(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let x = Math.imul(t ^ (t >>> 15), 1 | t);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Open-loop latency: each request is charged from the moment it was *scheduled* to be sent (start + i/rate), not
 * from when a sender that fell behind actually sent it (coordinated omission). `scheduled[i]` and `done[i]` are
 * times in ms on one clock; a request that never finished is not a latency (counted as an error by the caller).
 */
export function scheduledLatencies(scheduled: number[], done: (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < scheduled.length; i++) {
    const d = done[i];
    if (d !== null && d !== undefined && Number.isFinite(d)) out.push(d - scheduled[i]);
  }
  return out;
}

/** The send times of an open-loop run at `rate` per second from `start` (ms). */
export function schedule(start: number, count: number, rate: number): number[] {
  return Array.from({ length: count }, (_, i) => start + (i * 1000) / rate);
}

/**
 * Warm-up is over when the last two warm-up rounds agree within `tolerance` (relative to the larger): e.g.
 * throughput 1,480 then 1,510 req/s. A single round, or non-finite figures, never settle.
 */
export function warmedUp(rounds: number[], tolerance = 0.1): boolean {
  if (rounds.length < 2) return false;
  const a = rounds[rounds.length - 2];
  const b = rounds[rounds.length - 1];
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  const big = Math.max(Math.abs(a), Math.abs(b));
  return big === 0 || Math.abs(a - b) / big <= tolerance;
}

/** Pooled percentile over every sample of every round (not a median of per-round percentiles). */
export function pooledPercentile(rounds: number[][], p: number): number {
  return percentile(rounds.flat(), p);
}

export type VerdictKind = 'met' | 'missed' | 'no-target';

export interface Verdict {
  kind: VerdictKind;
  /** True when this figure makes the run exit non-zero. */
  fails: boolean;
  /** Why it does not fail although missed (another scale, smoke), or why it missed (too few rounds), if so. */
  reason?: string;
  /** Relative gap to the target when not met (e.g. 0.25 = 25% worse), else 0. */
  gap: number;
  /** The number the target was held against, and what it is ("pooled over 3 rounds", "median of 5 rounds", "worst of 3 rounds"). */
  judged: number;
  judgedOn: string;
}

export interface JudgeContext {
  scale: 'small' | 'full';
  smoke: boolean;
  /** Database of the run; targets defined on MySQL never fail a SQLite run. Default mysql. */
  dialect?: 'mysql' | 'sqlite';
}

/** Rounds a target-bearing figure needs outside --smoke. */
export const MIN_ROUNDS = 3;

/** Throughput and ratio targets are judged on the median of rounds; every other target (latency, duration, count) on all samples. */
export const isRateTarget = (t: Target): boolean => t.unit === 'ratio' || t.unit === 'req/s' || t.unit === 'rows/s' || t.unit === 'msg/s';

/**
 * The number a target is held against, chosen so that it cannot lean the product's way:
 * - ratio and throughput targets: the median of the rounds (each round is shown beside it);
 * - latency, duration and count targets: the figure over all measured samples pooled when the scenario has them,
 *   else the worst round (so the target is met only if every round meets it);
 * - a figure without rounds: its value (a deterministic measurement such as a bundle size).
 */
export function judgedValue(f: Pick<Figure, 'value' | 'rounds' | 'pooled'>, t: Target): { value: number; on: string } {
  const rounds = (f.rounds ?? []).filter((x) => Number.isFinite(x));
  if (isRateTarget(t)) return rounds.length ? { value: median(rounds), on: `median of ${rounds.length} rounds` } : { value: f.value, on: 'one value' };
  if (f.pooled !== undefined && Number.isFinite(f.pooled)) return { value: f.pooled, on: rounds.length ? `pooled over ${rounds.length} rounds` : 'pooled' };
  if (rounds.length) return { value: t.kind === 'max' ? Math.max(...rounds) : Math.min(...rounds), on: `worst of ${rounds.length} rounds` };
  return { value: f.value, on: 'one value' };
}

/**
 * Holds a figure against its target: met or missed; there is no "within noise" (a noisier run is not more likely to
 * pass). A missed target fails the run unless smoke or the target is defined at another scale or database. Outside
 * smoke a timed target needs at least MIN_ROUNDS rounds (targets marked `deterministic`, e.g. sizes, do not).
 */
export function judge(f: Pick<Figure, 'value' | 'rounds' | 'pooled' | 'noise'>, t: Target | undefined, c: JudgeContext): Verdict {
  if (!t) return { kind: 'no-target', fails: false, gap: 0, judged: f.value, judgedOn: '' };
  const { value, on } = judgedValue(f, t);
  const base = { judged: value, judgedOn: on };
  const n = (f.rounds ?? []).length;
  if (!c.smoke && !t.deterministic && n < MIN_ROUNDS) return { ...verdictMissed(t, c, NaN), ...base, reason: `${n} round${n === 1 ? '' : 's'}: a target needs at least ${MIN_ROUNDS}` };
  if (!Number.isFinite(value)) return { ...verdictMissed(t, c, Infinity), ...base };
  const met = t.kind === 'max' ? value <= t.value : value >= t.value;
  if (met) return { kind: 'met', fails: false, gap: 0, ...base };
  const gap = t.value === 0 ? Infinity : Math.abs(value - t.value) / Math.abs(t.value);
  return { ...verdictMissed(t, c, gap), ...base };
}

function verdictMissed(t: Target, c: JudgeContext, gap: number): Pick<Verdict, 'kind' | 'fails' | 'reason' | 'gap'> {
  if (c.smoke) return { kind: 'missed', fails: false, reason: 'smoke run: figures not checked', gap };
  if (t.scale && t.scale !== c.scale) return { kind: 'missed', fails: false, reason: `target defined at --scale ${t.scale}`, gap };
  if (t.dialect && c.dialect && t.dialect !== c.dialect) return { kind: 'missed', fails: false, reason: `target defined on ${t.dialect}`, gap };
  return { kind: 'missed', fails: true, gap };
}

export function judgeFigure(f: Figure, c: JudgeContext): Verdict {
  return judge(f, f.target ? TARGETS[f.target] : undefined, c);
}

/** Round figures as "min / median / max" (n), for the tables. */
export function roundsText(rounds: number[] | undefined): string {
  const xs = (rounds ?? []).filter((x) => Number.isFinite(x));
  if (!xs.length) return '';
  if (xs.length === 1) return `${fmt(xs[0])} (1 round)`;
  return `${fmt(Math.min(...xs))} / ${fmt(median(xs))} / ${fmt(Math.max(...xs))} (${xs.length})`;
}

/** "≤ 50 ms", "≥ 0.6" */
export function describeTarget(id: TargetId | undefined): string {
  if (!id) return '';
  const t = TARGETS[id] as Target;
  return `${t.kind === 'max' ? '≤' : '≥'} ${t.value}${t.unit === 'ratio' || t.unit === 'count' ? '' : ' ' + t.unit}`;
}

/** Compact number for tables: 3 significant digits, thousands kept whole. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 1000) return Math.round(x).toLocaleString('en-US');
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  return x.toFixed(3);
}
