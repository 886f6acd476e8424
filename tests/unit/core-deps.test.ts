import fs from 'node:fs';
import path from 'node:path';
import { tsFiles } from '../helpers/source-files';

/**
 * The core's dependency rule, by folder: contexts import each other in ONE order, never in a cycle, and the kernel
 * (core/*.ts root files, core/db, core/shared) imports no context — except the core's composition root, the two
 * assembly files core/models.ts (defineModels) and core/compose.ts (composeCore). Every import counts, value or type:
 * a type-only import still means one context's shape depends on another's.
 */
const CORE = path.resolve(__dirname, '../../core');
const KERNEL_DIRS = new Set(['db', 'shared']);
const ASSEMBLY = new Set(['models.ts', 'compose.ts']);
/** Root files that only re-export types for other packages (the mini-program); they may name contexts, type-only. */
const TYPE_ENTRY_POINTS = new Set(['public-types.ts']);

/**
 * The contexts, lower first: a context may import only contexts listed before it. A new context takes its place
 * here (the lowest spot after everything it imports). `factories` is no context: the typed fixtures for tests,
 * the demo seed and the bench, above everything, imported by no core module.
 */
const ORDER = [
  'audit',
  'notifications',
  'customers',
  'users',
  'pool',
  'tasks',
  'activities', // a follow-up's next step becomes a task (core/activities uses core/tasks)
  'customer360', // the 360° view reads customers and activities; other contexts add sections via ctx.registry
  'opportunities', // the pipeline: deals on customers, quotes; leads convert into one, contracts close one as won
  'leads',
  'checkins',
  'approvals',
  'org', // org sync: Lark departments and people become teams and users; a leaver's customers, tasks, approval steps are handed over
  'receivables',
  'contracts',
  'surveys',
  'tickets', // closing a ticket creates its CSAT survey
  'knowledge',
  'mp',
  'intent',
  'apikeys',
  'factories',
];

type Node = string; // a context folder name, or 'kernel:<relative path>' for a kernel file
interface Edge {
  from: string;
  to: string;
  file: string;
  spec: string;
  typeOnly: boolean;
}

/** Every module specifier a file names: import/export … from, side-effect import, import(), require(). */
export function importsOf(src: string): { spec: string; typeOnly: boolean }[] {
  const out: { spec: string; typeOnly: boolean }[] = [];
  const re = /(?:^|[\s;}])(import|export)\s+(type\s+)?(?:[^'"`;]*?\sfrom\s*)?['"]([^'"]+)['"]|(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const m of src.matchAll(re)) {
    if (m[3]) out.push({ spec: m[3], typeOnly: !!m[2] });
    else if (m[4]) out.push({ spec: m[4], typeOnly: false });
  }
  return out;
}

/** The folder a core file belongs to: a context name, or null for the kernel (root files, db, shared). */
function folderOf(rel: string): string | null {
  const parts = rel.split(path.sep);
  if (parts.length === 1 || KERNEL_DIRS.has(parts[0])) return null;
  return parts[0];
}

function edgesOf(files: { rel: string; src: string }[]): Edge[] {
  const edges: Edge[] = [];
  for (const f of files) {
    for (const { spec, typeOnly } of importsOf(f.src)) {
      if (!spec.startsWith('.')) continue;
      const target = path.relative(CORE, path.resolve(CORE, path.dirname(f.rel), spec));
      if (target.startsWith('..')) continue; // outside core (the transport check is tests/unit/core-imports.test.ts)
      const from = folderOf(f.rel) ?? `kernel:${f.rel}`;
      // A folder import (core/x → core/x/index.ts) and a file import land in the same folder.
      const isDir = !target.includes(path.sep) && fs.existsSync(path.join(CORE, target)) && fs.statSync(path.join(CORE, target)).isDirectory();
      const to = (isDir ? target : folderOf(target.includes(path.sep) ? target : `${target}.ts`)) ?? `kernel:${target}.ts`;
      if (from !== to) edges.push({ from, to, file: f.rel, spec, typeOnly });
    }
  }
  return edges;
}

/** The first cycle between contexts, as `a → b → … → a` with the importing file of each step, or null. */
export function findCycle(edges: Edge[]): string | null {
  const ctxEdges = edges.filter((e) => !e.from.startsWith('kernel:') && !e.to.startsWith('kernel:'));
  const adj = new Map<Node, Edge[]>();
  for (const e of ctxEdges) adj.set(e.from, [...(adj.get(e.from) ?? []), e]);
  const state = new Map<Node, 'open' | 'done'>();
  const stack: Edge[] = [];
  const visit = (n: Node): string | null => {
    state.set(n, 'open');
    for (const e of adj.get(n) ?? []) {
      if (state.get(e.to) === 'open') {
        const start = stack.findIndex((s) => s.from === e.to);
        const loop = [...stack.slice(start === -1 ? stack.length : start), e];
        return loop.map((s) => `${s.from} → ${s.to} (${s.file})`).join(', ');
      }
      if (!state.has(e.to)) {
        stack.push(e);
        const c = visit(e.to);
        if (c) return c;
        stack.pop();
      }
    }
    state.set(n, 'done');
    return null;
  };
  for (const n of [...adj.keys()].sort()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

const files = tsFiles(CORE).map((p) => ({ rel: path.relative(CORE, p), src: fs.readFileSync(p, 'utf8') }));
const edges = edgesOf(files);

describe('core contexts depend on each other in one order', () => {
  it('finds the imports (the checker is not looking at nothing)', () => {
    expect(files.length).toBeGreaterThan(50);
    expect(edges.some((e) => e.from === 'contracts' && e.to === 'approvals')).toBe(true);
    expect(edges.some((e) => e.from === 'kernel:compose.ts' && e.to === 'tasks')).toBe(true);
  });

  it('has no cycle between contexts', () => {
    expect(findCycle(edges)).toBeNull();
  });

  it('every context has its place in ORDER and imports only contexts before it', () => {
    const folders = [...new Set(files.map((f) => folderOf(f.rel)).filter((x): x is string => x !== null))].sort();
    expect(folders.filter((f) => !ORDER.includes(f)).map((f) => `core/${f} has no place in ORDER (tests/unit/core-deps.test.ts)`)).toEqual([]);
    const upward = edges
      .filter((e) => !e.from.startsWith('kernel:') && !e.to.startsWith('kernel:') && ORDER.indexOf(e.to) > ORDER.indexOf(e.from))
      .map((e) => `${e.from} imports ${e.to}, which comes after it (${e.file}: '${e.spec}')`);
    expect(upward).toEqual([]);
  });

  it('the kernel imports no context, except the composition root (core/models.ts, core/compose.ts)', () => {
    const offending = edges
      .filter((e) => e.from.startsWith('kernel:') && !e.to.startsWith('kernel:'))
      .filter((e) => {
        const file = e.from.slice('kernel:'.length);
        if (ASSEMBLY.has(file)) return false;
        return !(TYPE_ENTRY_POINTS.has(file) && e.typeOnly);
      })
      .map((e) => `${e.file} imports core/${e.to} ('${e.spec}')`);
    expect(offending).toEqual([]);
  });

  it('the checker catches a synthetic cycle, type-only imports and dynamic imports included', () => {
    const synthetic = edgesOf([
      { rel: path.join('alpha', 'a.ts'), src: "import { b } from '../beta/b';\n" },
      { rel: path.join('beta', 'b.ts'), src: "import type { C } from '../gamma/c';\nexport const b = 1;\n" },
      { rel: path.join('gamma', 'c.ts'), src: "export type C = number;\nconst a = () => import('../alpha/a');\n" },
      { rel: path.join('delta', 'd.ts'), src: "import '../alpha/a';\n" },
    ]);
    expect(findCycle(synthetic)).toBe('alpha → beta (alpha/a.ts), beta → gamma (beta/b.ts), gamma → alpha (gamma/c.ts)');
    expect(findCycle(synthetic.filter((e) => e.from !== 'gamma'))).toBeNull();
    expect(importsOf("export { x } from './x';\nexport type { Y } from '../y/y';")).toEqual([
      { spec: './x', typeOnly: false },
      { spec: '../y/y', typeOnly: true },
    ]);
  });
});
