import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../../server/cli/run';
import type { CliIo } from '../../../server/cli/types';
import { describeEachDb } from '../../helpers/db';
import { DEFAULT_POLICY } from '../../../core/approvals/rules';

function io(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l) };
}

describeEachDb('CLI approvals policy', (h) => {
  it('prints the policy, replaces it from a file, refuses an invalid one naming the field', async () => {
    const env = { DATABASE_URL: h.url };
    const o = io();
    expect(await runCli(['approvals', 'policy'], env, o)).toBe(0);
    expect(JSON.parse(o.out_.join('\n')).rules.map((r: { name: string }) => r.name)).toEqual(['manager', 'sales_director', 'finance']);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'policy-'));
    const file = path.join(dir, 'p.json');
    fs.writeFileSync(file, JSON.stringify({ ...DEFAULT_POLICY, discountLimitBp: 1500 }));
    const o2 = io();
    expect(await runCli(['approvals', 'policy', '--set', file], env, o2)).toBe(0);
    expect(o2.out_.join('\n')).toContain('"discountLimitBp": 1500');
    fs.writeFileSync(file, JSON.stringify({ ...DEFAULT_POLICY, rules: [] }));
    const o3 = io();
    expect(await runCli(['approvals', 'policy', '--set', file], env, o3)).toBe(2);
    expect(o3.err_.join('\n')).toContain('rules');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
