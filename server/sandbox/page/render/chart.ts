import { esc, attr } from './escape';

/**
 * A VChart spec (the `chart_spec` of a Card JSON 2.0 `chart`) as a small inline SVG: bar (vertical or horizontal,
 * grouped by seriesField), line / area, pie (and rose), funnel. Not a charting library: enough to read a funnel or
 * a trend on the page. Another chart type → null (the caller shows a labelled placeholder and reports it).
 */
type Row = Record<string, unknown>;
type Spec = Record<string, unknown>;

const W = 360;
const H = 200;
const PALETTE = ['#3370ff', '#34c724', '#ff8800', '#f54a45', '#7f3bf5', '#14c0ff', '#ffc60a', '#8f959e'];
export const CHART_TYPES = ['bar', 'line', 'area', 'pie', 'rose', 'funnel'] as const;

function rowsOf(data: unknown): Row[] {
  const sets = Array.isArray(data) ? data : data && typeof data === 'object' ? [data] : [];
  const rows: Row[] = [];
  for (const s of sets) {
    const values = (s as { values?: unknown }).values;
    if (Array.isArray(values)) for (const v of values) if (v && typeof v === 'object') rows.push(v as Row);
  }
  return rows.slice(0, 200);
}
const field = (f: unknown): string | null => (typeof f === 'string' ? f : Array.isArray(f) && typeof f[0] === 'string' ? f[0] : null);
const num = (v: unknown): number => {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : 0;
};
const label = (v: unknown): string => (v === null || v === undefined ? '' : String(v)).slice(0, 40);
const fmt = (n: number): string => (Math.abs(n) >= 1e8 ? `${+(n / 1e8).toFixed(1)}亿` : Math.abs(n) >= 1e4 ? `${+(n / 1e4).toFixed(1)}万` : `${+n.toFixed(2)}`);
const unique = (xs: string[]) => [...new Set(xs)];

function svg(body: string, title: string, legend: string[] = []): string {
  const leg = legend.length > 1
    ? `<div class="chart-legend">${legend.map((s, i) => `<span><i style="background:${PALETTE[i % PALETTE.length]}"></i>${esc(s)}</span>`).join('')}</div>`
    : '';
  return `<figure class="chart">${title ? `<figcaption>${esc(title)}</figcaption>` : ''}<svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${attr(title || 'chart')}">${body}</svg>${leg}</figure>`;
}

function bars(spec: Spec, rows: Row[]): string {
  const horizontal = spec.direction === 'horizontal';
  const cat = field(horizontal ? spec.yField : spec.xField) ?? 'x';
  const val = field(horizontal ? spec.xField : spec.yField) ?? 'y';
  const ser = field(spec.seriesField);
  const cats = unique(rows.map((r) => label(r[cat])));
  const series = ser ? unique(rows.map((r) => label(r[ser]))) : [''];
  const max = Math.max(1, ...rows.map((r) => num(r[val])));
  const pad = { l: horizontal ? 80 : 30, b: horizontal ? 10 : 28, t: 10, r: 10 };
  const span = horizontal ? H - pad.t - pad.b : W - pad.l - pad.r;
  const len = horizontal ? W - pad.l - pad.r - 36 : H - pad.t - pad.b - 14;
  const band = span / Math.max(1, cats.length);
  const bw = (band * 0.7) / series.length;
  let out = '';
  cats.forEach((c, ci) => {
    series.forEach((s, si) => {
      const r = rows.find((x) => label(x[cat]) === c && (!ser || label(x[ser]) === s));
      const v = r ? num(r[val]) : 0;
      const l = (Math.max(0, v) / max) * len;
      const off = band * ci + band * 0.15 + bw * si;
      const color = PALETTE[(ser ? si : ci) % PALETTE.length];
      const tip = `<title>${esc(`${c}${s ? ' · ' + s : ''}: ${v}`)}</title>`;
      if (horizontal) {
        out += `<rect x="${pad.l}" y="${(pad.t + off).toFixed(1)}" width="${l.toFixed(1)}" height="${bw.toFixed(1)}" fill="${color}">${tip}</rect>`;
        out += `<text x="${(pad.l + l + 3).toFixed(1)}" y="${(pad.t + off + bw / 2 + 4).toFixed(1)}" class="v">${esc(fmt(v))}</text>`;
      } else {
        out += `<rect x="${(pad.l + off).toFixed(1)}" y="${(H - pad.b - l).toFixed(1)}" width="${bw.toFixed(1)}" height="${l.toFixed(1)}" fill="${color}">${tip}</rect>`;
        if (series.length === 1) out += `<text x="${(pad.l + off + bw / 2).toFixed(1)}" y="${(H - pad.b - l - 3).toFixed(1)}" class="v" text-anchor="middle">${esc(fmt(v))}</text>`;
      }
    });
    out += horizontal
      ? `<text x="${pad.l - 4}" y="${(pad.t + band * ci + band / 2 + 4).toFixed(1)}" text-anchor="end" class="c">${esc(c)}</text>`
      : `<text x="${(pad.l + band * ci + band / 2).toFixed(1)}" y="${H - pad.b + 14}" text-anchor="middle" class="c">${esc(c)}</text>`;
  });
  const axis = horizontal ? `<line x1="${pad.l}" y1="${pad.t}" x2="${pad.l}" y2="${H - pad.b}" class="axis"/>` : `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" class="axis"/>`;
  return axis + out + (ser ? '' : '');
}

function lines(spec: Spec, rows: Row[], area: boolean): string {
  const cat = field(spec.xField) ?? 'x';
  const val = field(spec.yField) ?? 'y';
  const ser = field(spec.seriesField);
  const cats = unique(rows.map((r) => label(r[cat])));
  const series = ser ? unique(rows.map((r) => label(r[ser]))) : [''];
  const max = Math.max(1, ...rows.map((r) => num(r[val])));
  const pad = { l: 30, b: 28, t: 12, r: 12 };
  const x = (i: number) => pad.l + (cats.length > 1 ? (i * (W - pad.l - pad.r)) / (cats.length - 1) : (W - pad.l - pad.r) / 2);
  const y = (v: number) => H - pad.b - (Math.max(0, v) / max) * (H - pad.t - pad.b);
  let out = `<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" class="axis"/>`;
  series.forEach((s, si) => {
    const pts = cats.map((c, ci) => {
      const r = rows.find((row) => label(row[cat]) === c && (!ser || label(row[ser]) === s));
      return [x(ci), y(r ? num(r[val]) : 0), r ? num(r[val]) : 0] as const;
    });
    const color = PALETTE[si % PALETTE.length];
    const d = pts.map(([px, py], i) => `${i ? 'L' : 'M'}${px.toFixed(1)},${py.toFixed(1)}`).join('');
    if (area && pts.length) out += `<path d="${d}L${pts[pts.length - 1][0].toFixed(1)},${H - pad.b}L${pts[0][0].toFixed(1)},${H - pad.b}Z" fill="${color}" opacity="0.2"/>`;
    out += `<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`;
    pts.forEach(([px, py, v], i) => (out += `<circle cx="${px.toFixed(1)}" cy="${py.toFixed(1)}" r="3" fill="${color}"><title>${esc(`${cats[i]}${s ? ' · ' + s : ''}: ${v}`)}</title></circle>`));
  });
  const step = Math.max(1, Math.ceil(cats.length / 8));
  cats.forEach((c, i) => {
    if (i % step === 0) out += `<text x="${x(i).toFixed(1)}" y="${H - pad.b + 14}" text-anchor="middle" class="c">${esc(c)}</text>`;
  });
  return out;
}

function pie(spec: Spec, rows: Row[]): string {
  const cat = field(spec.categoryField) ?? 'type';
  const val = field(spec.valueField) ?? 'value';
  const total = rows.reduce((s, r) => s + Math.max(0, num(r[val])), 0) || 1;
  const cx = 100;
  const cy = H / 2;
  const R = 80;
  const inner = typeof spec.innerRadius === 'number' ? Math.min(0.9, Math.max(0, spec.innerRadius)) * R : 0;
  let a = -Math.PI / 2;
  let out = '';
  rows.forEach((r, i) => {
    const v = Math.max(0, num(r[val]));
    const sweep = (v / total) * Math.PI * 2;
    const color = PALETTE[i % PALETTE.length];
    const tip = `<title>${esc(`${label(r[cat])}: ${v} (${((v / total) * 100).toFixed(1)}%)`)}</title>`;
    if (sweep >= Math.PI * 2 - 1e-6) out += `<circle cx="${cx}" cy="${cy}" r="${R}" fill="${color}">${tip}</circle>`;
    else if (sweep > 0) {
      const [x1, y1, x2, y2] = [cx + R * Math.cos(a), cy + R * Math.sin(a), cx + R * Math.cos(a + sweep), cy + R * Math.sin(a + sweep)];
      out += `<path d="M${cx},${cy}L${x1.toFixed(1)},${y1.toFixed(1)}A${R},${R} 0 ${sweep > Math.PI ? 1 : 0} 1 ${x2.toFixed(1)},${y2.toFixed(1)}Z" fill="${color}">${tip}</path>`;
    }
    a += sweep;
    out += `<rect x="200" y="${14 + i * 18}" width="10" height="10" fill="${color}"/><text x="215" y="${23 + i * 18}" class="c">${esc(`${label(r[cat])} ${((v / total) * 100).toFixed(0)}%`)}</text>`;
  });
  if (inner) out += `<circle cx="${cx}" cy="${cy}" r="${inner}" fill="#fff"/>`;
  return out;
}

function funnel(spec: Spec, rows: Row[]): string {
  const cat = field(spec.categoryField) ?? 'name';
  const val = field(spec.valueField) ?? 'value';
  const max = Math.max(1, ...rows.map((r) => num(r[val])));
  const h = Math.min(34, (H - 10) / Math.max(1, rows.length));
  const mid = W / 2;
  let out = '';
  rows.forEach((r, i) => {
    const v = num(r[val]);
    const w = Math.max(24, (Math.max(0, v) / max) * (W - 40));
    const next = rows[i + 1] ? Math.max(24, (Math.max(0, num(rows[i + 1][val])) / max) * (W - 40)) : w * 0.8;
    const y = 5 + i * h;
    out += `<path d="M${(mid - w / 2).toFixed(1)},${y.toFixed(1)}L${(mid + w / 2).toFixed(1)},${y.toFixed(1)}L${(mid + next / 2).toFixed(1)},${(y + h - 2).toFixed(1)}L${(mid - next / 2).toFixed(1)},${(y + h - 2).toFixed(1)}Z" fill="${PALETTE[i % PALETTE.length]}"><title>${esc(`${label(r[cat])}: ${v}`)}</title></path>`;
    out += `<text x="${mid}" y="${(y + h / 2 + 3).toFixed(1)}" text-anchor="middle" class="f">${esc(`${label(r[cat])} ${fmt(v)}`)}</text>`;
  });
  return out;
}

/** The chart's SVG, or null when its type is not one of CHART_TYPES. */
export function renderChart(spec: unknown): { html: string; type: string } | null {
  if (!spec || typeof spec !== 'object') return null;
  const s = spec as Spec;
  const type = typeof s.type === 'string' ? s.type : '';
  if (!(CHART_TYPES as readonly string[]).includes(type)) return null;
  const rows = rowsOf(s.data);
  const t = s.title && typeof s.title === 'object' ? label((s.title as { text?: unknown }).text) : '';
  const ser = field(s.seriesField);
  const legend = ser ? unique(rows.map((r) => label(r[ser]))) : [];
  const body = type === 'bar' ? bars(s, rows) : type === 'line' || type === 'area' ? lines(s, rows, type === 'area') : type === 'funnel' ? funnel(s, rows) : pie(s, rows);
  return { html: svg(body, t, type === 'bar' || type === 'line' || type === 'area' ? legend : []), type };
}
