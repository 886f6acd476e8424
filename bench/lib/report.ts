/** Terminal table, bench/results/<scenario>.json, and the generated sections of bench/README.md. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Figure, LoadResult } from '../types';
import { TARGETS, type Target, type TargetId } from '../targets';
import { describeTarget, fmt, judgeFigure, roundsText, type JudgeContext, type Verdict } from './stats';

export interface JudgedFigure extends Figure {
  targetText: string;
  verdict: Verdict['kind'];
  fails: boolean;
  gap: number;
  reason?: string;
  /** What the target was held against (targeted figures only): the number and how it was taken. */
  judged?: number;
  judgedOn?: string;
}

export interface ScenarioRecord {
  scenario: string;
  issue: number;
  description: string;
  status: 'ok' | 'failed' | 'skipped';
  error?: string;
  date: string;
  machine: string;
  scale: 'small' | 'full';
  smoke: boolean;
  dialect: string;
  /** 1-minute load average of the machine sampled during the scenario: min, mean, max (os.loadavg). */
  load?: { min: number; mean: number; max: number; samples: number };
  seed: { counts: Record<string, number>; fingerprint: string };
  seconds: number;
  peakRssMb: { server: number | null; baseline: number | null };
  figures: JudgedFigure[];
  notes: string[];
  details?: Record<string, unknown>;
}

export function machineDescription(dbVersion: string): string {
  const cpus = os.cpus();
  return `${cpus.length} × ${cpus[0]?.model?.trim() ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, ${os.type()} ${os.release()}, Node ${process.version}, ${dbVersion}`;
}

export function judgeAll(figures: Figure[], c: JudgeContext): JudgedFigure[] {
  return figures.map((f) => {
    const v = judgeFigure(f, c);
    return {
      ...f,
      targetText: describeTarget(f.target),
      verdict: v.kind,
      fails: v.fails,
      gap: v.gap,
      ...(v.reason ? { reason: v.reason } : {}),
      ...(f.target ? { judged: v.judged, judgedOn: v.judgedOn } : {}),
    };
  });
}

export function verdictText(f: JudgedFigure): string {
  if (f.verdict === 'no-target' || !f.target) return '';
  const on = f.judgedOn ? ` (${f.judgedOn}: ${fmt(f.judged as number)})` : '';
  if (f.verdict === 'missed') {
    const by = Number.isFinite(f.gap) ? ` by ${Math.round(f.gap * 100)}%` : '';
    return `${f.fails ? 'MISSED' : 'missed'}${by}${on}${f.reason ? `, ${f.reason}` : ''}`;
  }
  return `met${on}`;
}

const unitText = (f: Figure) => (f.unit === 'ratio' || f.unit === 'count' ? '' : ` ${f.unit}`);

/** The headline value: the pooled figure for latencies, else the median of the rounds (no ± : the rounds are shown). */
export function valueText(f: Figure): string {
  return `${fmt(f.value)}${unitText(f)}`;
}

/** The number the verdict was taken on, with its unit (what the targets table shows), else the headline value. */
export function judgedText(f: JudgedFigure): string {
  return f.judged !== undefined && Number.isFinite(f.judged) ? `${fmt(f.judged)}${unitText(f)}` : valueText(f);
}

/** "min / median / max (n)" of the rounds, with the unit. */
export function roundsCell(f: Figure): string {
  const t = roundsText(f.rounds);
  return t ? `${t}` : '';
}

/** A plain-text table for the terminal. */
export function terminalTable(rec: ScenarioRecord): string {
  const head = `── ${rec.scenario} (issue ${rec.issue}, ${rec.scale}${rec.smoke ? ', smoke' : ''}, ${rec.dialect}) ── ${rec.status}${rec.error ? `: ${rec.error.split('\n')[0]}` : ''}`;
  const rows = [['figure', 'value', 'rounds min / median / max (n)', 'pooled', 'target', 'verdict']];
  for (const f of rec.figures) rows.push([f.name, valueText(f), roundsCell(f), f.pooled !== undefined ? fmt(f.pooled) : '', f.targetText, verdictText(f)]);
  if (rec.peakRssMb.server !== null) rows.push(['server peak RSS', `${fmt(rec.peakRssMb.server)} MB`, '', '', '', '']);
  if (rec.peakRssMb.baseline !== null) rows.push(['baseline peak RSS', `${fmt(rec.peakRssMb.baseline)} MB`, '', '', '', '']);
  if (rec.load) rows.push(['load average (1 min) during the scenario', `${fmt(rec.load.min)} / ${fmt(rec.load.mean)} / ${fmt(rec.load.max)}`, '', '', '', '']);
  const widths = [0, 1, 2, 3, 4, 5].map((i) => Math.max(0, ...rows.map((r) => r[i].length)));
  const lines = rows.map((r) => '  ' + r.map((c, i) => c.padEnd(widths[i])).join('   ').trimEnd());
  return [head, ...lines, ...rec.notes.map((n) => `  note: ${n}`)].join('\n');
}

export function writeResult(dir: string, rec: ScenarioRecord): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${rec.scenario}.json`);
  fs.writeFileSync(file, JSON.stringify(rec, null, 2) + '\n');
  return file;
}

export function readResults(dir: string): ScenarioRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as ScenarioRecord)
    .filter((r) => !r.smoke);
}

const esc = (s: string) => s.replace(/\|/g, '\\|');

function recordsMarkdown(records: ScenarioRecord[], empty: string): string {
  const out: string[] = [];
  if (!records.length) out.push(empty);
  for (const r of records) {
    out.push(`### ${r.scenario} (issue ${r.issue}) — ${r.status}`);
    out.push('');
    out.push(`${esc(r.description)}  `);
    out.push(`${r.date.slice(0, 16).replace('T', ' ')} UTC · \`--scale ${r.scale}\` on ${r.dialect} · ${esc(r.machine)}${r.load ? ` · load average ${fmt(r.load.min)}–${fmt(r.load.max)} (mean ${fmt(r.load.mean)})` : ''}`);
    out.push('');
    if (r.error) out.push(`Error: \`${esc(r.error.split('\n')[0])}\``, '');
    if (r.figures.length) {
      out.push('| figure | value | rounds: min / median / max (n) | every round | pooled | target | verdict |', '|---|---|---|---|---|---|---|');
      for (const f of r.figures) {
        const every = (f.rounds ?? []).map((x) => fmt(x)).join(', ');
        out.push(`| ${esc(f.name)} | ${esc(valueText(f))} | ${esc(roundsCell(f))} | ${esc(every)} | ${f.pooled !== undefined ? fmt(f.pooled) : ''} | ${esc(f.targetText)} | ${esc(verdictText(f))} |`);
      }
      if (r.peakRssMb.server !== null) out.push(`| server peak RSS | ${fmt(r.peakRssMb.server)} MB | | | | | |`);
      out.push('');
    }
    for (const n of r.notes) out.push(`- ${esc(n)}`);
    if (r.notes.length) out.push('');
  }
  return out.join('\n').trimEnd();
}

/**
 * The generated Markdown: every target with its figure (from the latest full-scale run when there is one,
 * else the latest run), the full-scale figures, and the latest run of each scenario.
 */
export function resultsMarkdown(latest: ScenarioRecord[], full: ScenarioRecord[] = []): { targets: string; full: string; latest: string } {
  const byTarget = new Map<string, { f: JudgedFigure; r: ScenarioRecord }>();
  for (const r of [...full, ...latest]) for (const f of r.figures) if (f.target && !byTarget.has(f.target)) byTarget.set(f.target, { f, r });
  const targets = ['| target | issue | held | what | figure judged | rounds: min / median / max (n) | scale / db | verdict |', '|---|---|---|---|---|---|---|---|'];
  for (const [id, t] of Object.entries(TARGETS) as [TargetId, Target][]) {
    const hit = byTarget.get(id);
    targets.push(
      `| \`${id}\` | #${t.issue} | ${describeTarget(id)} | ${esc(t.description)} | ${hit ? esc(judgedText(hit.f)) : '—'} | ${hit ? esc(roundsCell(hit.f)) : ''} | ${hit ? `${hit.r.scale} / ${hit.r.dialect}` : ''} | ${hit ? esc(verdictText(hit.f) || 'met') : 'not measured yet'} |`,
    );
  }
  return {
    targets: targets.join('\n'),
    full: recordsMarkdown(full, '_No full-scale run recorded yet: `BENCH_DATABASE_URL=mysql://… npm run bench -- --scale full`._'),
    latest: recordsMarkdown(latest, '_No figures yet: run `npm run bench`._'),
  };
}

export interface SeedRecord {
  scale: 'small' | 'full';
  dialect: string;
  date: string;
  machine: string;
  fingerprint: string;
  /** Core rows kept, only scenario tables (re)seeded. */
  topUp: boolean;
  totalSeconds: number;
  counts: Record<string, number>;
  timings: { table: string; rows: number; seconds: number }[];
  /** Where the figures come from when not written by the command itself. */
  source?: string;
}

/** Seed timings are kept per scale; a top-up is kept beside the last full build, never over it. */
export function writeSeedRecord(dir: string, rec: SeedRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${rec.scale}${rec.topUp ? '-top-up' : ''}.json`), JSON.stringify(rec, null, 2) + '\n');
}

export function readSeedRecords(dir: string): SeedRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as SeedRecord);
}

export function seedMarkdown(seeds: SeedRecord[]): string {
  if (!seeds.length) return '_No seed recorded yet._';
  const out: string[] = [];
  for (const s of seeds) {
    out.push(`**${s.scale}${s.topUp ? ' (top-up)' : ''}** on ${s.dialect}, ${fmt(s.totalSeconds)} s in all — ${s.date.slice(0, 16).replace('T', ' ')} UTC · ${esc(s.machine)}${s.source ? `  \n_${esc(s.source)}_` : ''}`, '');
    out.push('| table | rows | INSERT time | rows/s |', '|---|---|---|---|');
    for (const t of s.timings) out.push(`| ${t.table} | ${t.rows.toLocaleString('en-US')} | ${fmt(t.seconds)} s | ${t.seconds > 0 ? fmt(t.rows / t.seconds) : '—'} |`);
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export const MARKERS = {
  seed: ['<!-- bench:seed:begin (generated by npm run bench; do not edit) -->', '<!-- bench:seed:end -->'],
  targets: ['<!-- bench:targets:begin (generated by npm run bench; do not edit) -->', '<!-- bench:targets:end -->'],
  full: ['<!-- bench:full:begin (generated by npm run bench; do not edit) -->', '<!-- bench:full:end -->'],
  latest: ['<!-- bench:latest:begin (generated by npm run bench; do not edit) -->', '<!-- bench:latest:end -->'],
  runs: ['<!-- bench:runs:begin (generated by npm run bench; do not edit) -->', '<!-- bench:runs:end -->'],
} as const;

/** Replaces (or appends) a marked section. */
export function replaceSection(doc: string, [begin, end]: readonly [string, string], body: string, heading: string): string {
  const block = `${begin}\n${body}\n${end}`;
  const i = doc.indexOf(begin);
  const j = doc.indexOf(end);
  if (i >= 0 && j > i) return doc.slice(0, i) + block + doc.slice(j + end.length);
  return `${doc.trimEnd()}\n\n${heading}\n\n${block}\n`;
}

/** One run of `npm run bench` (non-smoke): its machine, load average and every round of every targeted figure. */
export interface RunRecord {
  date: string;
  scale: 'small' | 'full';
  dialect: string;
  machine: string;
  seconds: number;
  load: { min: number; mean: number; max: number } | null;
  scenarios: { scenario: string; status: string; load?: ScenarioRecord['load']; figures: { name: string; target?: string; rounds: number[]; pooled?: number; judged?: number; judgedOn?: string; verdict: string }[] }[];
}

export function runRecord(records: ScenarioRecord[], seconds: number): RunRecord {
  const loads = records.map((r) => r.load).filter((l): l is NonNullable<ScenarioRecord['load']> => !!l);
  return {
    date: records[0]?.date ?? new Date().toISOString(),
    scale: records[0]?.scale ?? 'small',
    dialect: records[0]?.dialect ?? '',
    machine: records[0]?.machine ?? '',
    seconds,
    load: loads.length ? { min: Math.min(...loads.map((l) => l.min)), mean: loads.reduce((s, l) => s + l.mean, 0) / loads.length, max: Math.max(...loads.map((l) => l.max)) } : null,
    scenarios: records.map((r) => ({
      scenario: r.scenario,
      status: r.status,
      ...(r.load ? { load: r.load } : {}),
      figures: r.figures
        .filter((f) => f.target)
        .map((f) => ({ name: f.name, target: f.target, rounds: f.rounds ?? [], ...(f.pooled !== undefined ? { pooled: f.pooled } : {}), judged: f.judged, judgedOn: f.judgedOn, verdict: verdictText(f) })),
    })),
  };
}

/** Run records are kept one file a run (bench/results/runs/<date>-<scale>.json). */
export function writeRunRecord(dir: string, run: RunRecord): void {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${run.date.slice(0, 16).replace(/[:T]/g, '-')}-${run.scale}.json`), JSON.stringify(run, null, 2) + '\n');
}

export function readRunRecords(dir: string): RunRecord[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as RunRecord);
}

/** One table per run, newest first: machine, load average, and every round of every targeted figure. */
export function runsMarkdown(runs: RunRecord[]): string {
  if (!runs.length) return '_No run recorded yet._';
  const out: string[] = [];
  for (const r of [...runs].reverse()) {
    out.push(`**${r.date.slice(0, 16).replace('T', ' ')} UTC, \`--scale ${r.scale}\` on ${r.dialect}**, ${fmt(r.seconds)} s · ${esc(r.machine)} · load average (1 min) during the run ${r.load ? `${fmt(r.load.min)}–${fmt(r.load.max)}, mean ${fmt(r.load.mean)}` : 'not recorded'}`, '');
    out.push('| scenario | figure | every round | pooled | judged on | verdict | load during it |', '|---|---|---|---|---|---|---|');
    for (const s of r.scenarios) {
      const load = s.load ? `${fmt(s.load.min)}–${fmt(s.load.max)}` : '';
      if (!s.figures.length) out.push(`| ${s.scenario} | (${s.status}) | | | | | ${load} |`);
      for (const f of s.figures) out.push(`| ${s.scenario} | ${esc(f.name)} | ${f.rounds.map((x) => fmt(x)).join(', ')} | ${f.pooled !== undefined ? fmt(f.pooled) : ''} | ${esc(f.judgedOn ?? '')}${f.judged !== undefined ? `: ${fmt(f.judged)}` : ''} | ${esc(f.verdict.replace(/ \((pooled|median|worst|one value)[^)]*\)/, ''))} | ${load} |`);
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

export function regenerateReadme(readmePath: string, latest: ScenarioRecord[], full: ScenarioRecord[], seeds: SeedRecord[] = [], runs: RunRecord[] = []): void {
  const md = resultsMarkdown(latest, full);
  let doc = fs.existsSync(readmePath) ? fs.readFileSync(readmePath, 'utf8') : '# Benchmarks\n';
  doc = replaceSection(doc, MARKERS.targets, md.targets, '## Targets and where we stand');
  doc = replaceSection(doc, MARKERS.full, md.full, '## Full-scale figures (MySQL, 1M customers)');
  doc = replaceSection(doc, MARKERS.latest, md.latest, '## Latest run of each scenario');
  doc = replaceSection(doc, MARKERS.runs, runsMarkdown(runs), '## Every run, every round');
  doc = replaceSection(doc, MARKERS.seed, seedMarkdown(seeds), '## Seeding times');
  fs.writeFileSync(readmePath, doc);
}

/**
 * Whether the loads of a scenario show a working product: notes for any error or non-2xx answer; an error when the
 * product answered nothing, failed (5xx) or dropped connections on more than 1% of requests. 4xx answers are the
 * scenario's business (lost claim races are 409s).
 */
export function checkLoads(loads: { target: 'product' | 'baseline' | 'other'; result: LoadResult }[]): { notes: string[]; error?: string } {
  const notes: string[] = [];
  let error: string | undefined;
  for (const { target, result: r } of loads) {
    if (r.errors > 0 || r.non2xx > 0) notes.push(`${target}: ${r.errors} errors/timeouts, ${r.non2xx} non-2xx (${r.status5xx} 5xx) of ${r.requests} requests`);
    if (target !== 'product' || error) continue;
    if (r.requests === 0 || (r.rps.median === 0 && r.non2xx === 0)) error = 'the product answered no request under load';
    else if (r.status5xx > 0.01 * r.requests) error = `the product answered ${r.status5xx} of ${r.requests} requests with 5xx`;
    else if (r.errors > 0.01 * r.requests) error = `${r.errors} connection errors/timeouts of ${r.requests} requests under load`;
  }
  return error ? { notes, error } : { notes };
}
