import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../..');
const readme = () => fs.readFileSync(path.join(root, 'README.md'), 'utf8');
const ci = () => fs.readFileSync(path.join(root, '.ci/run'), 'utf8');

/** What npm says on stderr when run with `extra` in its environment. */
function npmStderr(extra: Record<string, string>): string {
  const r = spawnSync('npm', ['config', 'get', 'registry'], { cwd: root, env: { ...process.env, ...extra }, encoding: 'utf8' });
  return r.stderr;
}

// sqlite3 compiles on install; linking the system library is asked of node-gyp through the environment. npm 11 warns
// about an unknown `npm_config_…` setting ("Unknown env config"); node-gyp ≥ 11 also reads
// `npm_package_config_node_gyp_*`, which npm leaves alone.
describe('the sqlite3 build advice (README, .ci/run)', () => {
  it('.ci/run and the README use the variable npm does not warn about', () => {
    const name = /^export (\w+)=\/usr\b/m.exec(ci())?.[1];
    expect(name).toBe('npm_package_config_node_gyp_sqlite');
    expect(readme()).toContain(`${name}=/usr npm ci`);
    expect(`${ci()}\n${readme()}`).not.toMatch(/npm_config_sqlite/);
    expect(npmStderr({ [name!]: '/usr' })).not.toMatch(/Unknown env config/);
    // The old advice does warn: this test would see it.
    expect(npmStderr({ npm_config_sqlite: '/usr' })).toMatch(/Unknown env config "sqlite"/);
  });
});

describe('the README for a newcomer', () => {
  it('names the CJK font the Chromium screenshots need', () => {
    expect(readme()).toMatch(/apt-get install chromium fonts-wqy-zenhei/);
    expect(ci()).toMatch(/fonts-wqy-zenhei/);
  });
});
