import fs from 'node:fs';
import path from 'node:path';

/** Every .ts file under `dir`, recursively: what the architecture tests (tests/unit/*-imports, core-deps) read. */
export function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? tsFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}
