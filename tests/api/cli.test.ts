import { runCli } from '../../server/cli/run';
import type { CliIo } from '../../server/cli/types';
import { describeEachDb } from '../helpers/db';

function io(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l) };
}

describeEachDb('CLI', (h) => {
  const env = () => ({ DATABASE_URL: h.url });

  it('migrate reports an up-to-date database', async () => {
    const o = io();
    expect(await runCli(['migrate'], env(), o)).toBe(0);
    expect(o.out_.join('\n')).toMatch(/up to date|applied/);
  });

  it('users add creates a user with a team and Lark open_id', async () => {
    const o = io();
    const code = await runCli(['users', 'add', '--name', '李娜', '--role', 'rep', '--team', '华南组', '--open-id', 'ou_cli_1'], env(), o);
    expect(code).toBe(0);
    const user = JSON.parse(o.out_[0]);
    expect(user).toMatchObject({ name: '李娜', role: 'rep', larkOpenId: 'ou_cli_1', status: 'active' });
    expect(user.teamId).toEqual(expect.any(Number));
    expect(await h.ctx.models.User.count({ where: { lark_open_id: 'ou_cli_1' } })).toBe(1);
  });

  it('a second user with the same open_id is refused as a duplicate', async () => {
    const o = io();
    expect(await runCli(['users', 'add', '--name', '张伟', '--role', 'rep', '--open-id', 'ou_cli_1'], env(), o)).toBe(1);
    expect(o.err_[0]).toMatch(/^DUPLICATE/);
  });

  it('a bad role names the field and changes nothing', async () => {
    const before = await h.ctx.models.User.count();
    const o = io();
    expect(await runCli(['users', 'add', '--name', 'X', '--role', 'boss'], env(), o)).toBe(1);
    expect(o.err_[0]).toContain('role');
    expect(await h.ctx.models.User.count()).toBe(before);
  });

  it('seed --demo fills an empty database once', async () => {
    const o = io();
    expect(await runCli(['seed', '--demo'], env(), o)).toBe(0);
    expect(o.out_[0]).toMatch(/nothing seeded/); // users exist already
    expect(await runCli(['seed', '--demo', '--force'], env(), o)).toBe(0);
    expect(o.out_[1]).toMatch(/seeded 6 users, 36 customers/);
  });

  it('an unknown command prints usage and exits 2', async () => {
    const o = io();
    expect(await runCli(['frobnicate'], env(), o)).toBe(2);
    expect(o.err_[0]).toContain('usage');
  });
});
