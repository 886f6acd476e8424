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
    const code = await runCli(['users', 'add', '--name', '李娜', '--role', 'rep', '--team', '华南组', '--new-team', '--open-id', 'ou_cli_1'], env(), o);
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

  it('a misspelt --team is refused with the list of teams (a new team only with --new-team)', async () => {
    const before = await h.ctx.models.User.count();
    const teams = await h.ctx.models.Team.count();
    const o = io();
    expect(await runCli(['users', 'add', '--name', '周杰', '--role', 'rep', '--team', '华南祖'], env(), o)).toBe(1);
    expect(o.err_[0]).toBe('users add: there is no team named 华南祖. Teams: 华南组. Nothing added. To create the team: --new-team');
    expect(await h.ctx.models.User.count()).toBe(before);
    expect(await h.ctx.models.Team.count()).toBe(teams);
    // The existing team by its name: joined, no new team.
    expect(await runCli(['users', 'add', '--name', '周杰', '--role', 'rep', '--team', '华南组'], env(), o)).toBe(0);
    expect(JSON.parse(o.out_[0]).teamId).toEqual((await h.ctx.models.Team.findOne({ where: { name: '华南组' } }))!.get('id'));
    expect(await runCli(['users', 'add', '--name', '吴敏', '--role', 'manager', '--team', '华北组', '--new-team'], env(), o)).toBe(0);
    expect(await h.ctx.models.Team.count()).toBe(teams + 1);
  });

  it('a second user with a name already taken is refused unless --same-name', async () => {
    const o = io();
    const before = await h.ctx.models.User.count();
    expect(await runCli(['users', 'add', '--name', '李娜', '--role', 'rep'], env(), o)).toBe(1);
    expect(o.err_[0]).toMatch(/^users add: a user named 李娜 exists already \(id \d+, rep, ou_cli_1\)\. Nothing added\. To add a second 李娜 anyway: --same-name$/);
    expect(await h.ctx.models.User.count()).toBe(before);
    expect(await runCli(['users', 'add', '--name', '李娜', '--role', 'rep', '--same-name'], env(), o)).toBe(0);
    expect(await h.ctx.models.User.count({ where: { name: '李娜' } })).toBe(2);
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
    // The demo invite as the full link, saying it works once, and how to make another.
    expect(o.out_[2]).toMatch(/^mini-program demo invite for .+: http:\/\/localhost:3000\/\?invite=[A-Z0-9]{8} \(code [A-Z0-9]{8}; single use, valid 7 days, shown only now\)$/);
    expect(o.out_[3]).toMatch(/^another one: npm run crm -- mp invite --customer-id \d+ --contact \S+$/);
  });

  it('an unknown command prints usage and exits 2', async () => {
    const o = io();
    expect(await runCli(['frobnicate'], env(), o)).toBe(2);
    expect(o.err_[0]).toContain('usage');
  });
});
