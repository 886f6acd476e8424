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

export type VerdictKind = 'met' | 'within-noise' | 'missed' | 'no-target';

export interface Verdict {
  kind: VerdictKind;
  /** True when this figure makes the run exit non-zero. */
  fails: boolean;
  /** Why it does not fail although missed (another scale, smoke), if so. */
  reason?: string;
  /** Relative gap to the target when not met (e.g. 0.25 = 25% worse), else 0. */
  gap: number;
}

export interface JudgeContext {
  scale: 'small' | 'full';
  smoke: boolean;
  /** Database of the run; targets defined on MySQL never fail a SQLite run. Default mysql. */
  dialect?: 'mysql' | 'sqlite';
}

/**
 * Holds a figure against its target: met; missed but within the measured noise (does not fail);
 * or missed by more than the noise (fails, unless smoke or the target is defined at another scale).
 */
export function judge(value: number, noise: number | undefined, t: Target | undefined, c: JudgeContext): Verdict {
  if (!t) return { kind: 'no-target', fails: false, gap: 0 };
  const n = Number.isFinite(noise) ? Math.abs(noise as number) : 0;
  if (!Number.isFinite(value)) return verdictMissed(t, c, Infinity);
  const met = t.kind === 'max' ? value <= t.value : value >= t.value;
  if (met) return { kind: 'met', fails: false, gap: 0 };
  const gap = t.value === 0 ? Infinity : Math.abs(value - t.value) / Math.abs(t.value);
  const withinNoise = t.kind === 'max' ? value - n <= t.value : value + n >= t.value;
  if (withinNoise) return { kind: 'within-noise', fails: false, gap };
  return verdictMissed(t, c, gap);
}

function verdictMissed(t: Target, c: JudgeContext, gap: number): Verdict {
  if (c.smoke) return { kind: 'missed', fails: false, reason: 'smoke run: figures not checked', gap };
  if (t.scale && t.scale !== c.scale) return { kind: 'missed', fails: false, reason: `target defined at --scale ${t.scale}`, gap };
  if (t.dialect && c.dialect && t.dialect !== c.dialect) return { kind: 'missed', fails: false, reason: `target defined on ${t.dialect}`, gap };
  return { kind: 'missed', fails: true, gap };
}

export function judgeFigure(f: Figure, c: JudgeContext): Verdict {
  return judge(f.value, f.noise, f.target ? TARGETS[f.target] : undefined, c);
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
