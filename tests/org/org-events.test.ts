import { describeEachDb, type DbHandle } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { FakeLark, postEvent } from '../helpers/fake-lark';
import { generateOrg } from '../helpers/org-gen';
import { larkRouter } from '../../bot/routes';
import { botFor } from '../../bot/instance';
import { LarkOrgDirectory } from '../../bot/org-directory';
import { syncOrg } from '../../core/org/sync';
import { isEmptyDiff } from '../../core/org/reconcile';
import { rng, pick } from '../../core/factories';

/**
 * The contact events, signed and posted to /lark/events like Lark sends them, apply within the event's processing;
 * after any sequence of them, a full sync of the final org finds nothing left to change (events and the daily full
 * sync agree). Re-delivered events and events before the first full sync do no harm.
 */
jest.setTimeout(240_000);
const secrets = { encryptKey: 'org-encrypt-key', verificationToken: 'org-verification-token' };
const SEED = Number(process.env.ORG_EVENTS_SEED ?? Date.now() % 100_000);

const user = async (h: DbHandle, openId: string) =>
  (await h.db.select<{ id: number; role: string; team_id: number | null; status: string; name: string }>('SELECT id, role, team_id, status, name FROM users WHERE lark_open_id = :o', { o: openId }))[0];

describeEachDb('org sync: contact events agree with the full sync', (h) => {
  let lark: FakeLark;
  let server: ReturnType<import('koa')['callback']>;
  const fast = { perSecond: 1000, perMinute: 1_000_000 };
  // The full sync stamps the mirror with the core's clock and events carry the platform's create_time: both real time
  // here, as in production.
  const full = () => (h.clock.set(new Date()), syncOrg(h.ctx, new LarkOrgDirectory(lark.client(), { limits: fast }), { channel: 'job' }));
  let posted = 0;
  const deliver = async () => {
    const evs = lark.contact.events.splice(0);
    for (const ev of evs) {
      expect((await postEvent(server, ev, secrets)).status).toBe(200);
      posted++;
    }
    await botFor(h.ctx, memoryLogger().logger).idle();
    return evs;
  };

  beforeAll(async () => {
    lark = await FakeLark.start();
    lark.contact.limits = fast;
    const t = await testApp(h.ctx, [larkRouter], { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken, ...lark.env() });
    server = t.app.callback();
  });
  afterAll(async () => lark.close());

  it('events before the first full sync do no harm; the full sync then completes the picture', async () => {
    lark.contact.addDepartment({ id: 'od-early', parentId: '0', name: 'Early' }, false); // known to Lark, not yet to the CRM
    lark.contact.addUser({ openId: 'ou_early', name: '早到', departments: ['od-early'] });
    await deliver();
    expect(await user(h, 'ou_early')).toBeUndefined(); // department unknown: kept, nothing else
    generateOrg(lark.contact, { users: 200, departments: 20 });
    lark.contact.depts.get('od-early')!.leader = 'ou_000000';
    const diff = await full();
    expect(diff.added.length).toBe(201);
    expect(await user(h, 'ou_early')).toMatchObject({ role: 'rep', status: 'active' });
    expect(isEmptyDiff(await full())).toBe(true);
  });

  it('events processed out of order: the older one changes nothing (create_time orders them)', async () => {
    const who = 'ou_000150';
    const [a, b] = ['od-00003', 'od-00011'];
    lark.contact.moveUser(who, [a]);
    lark.contact.moveUser(who, [b]);
    const [older, newer] = lark.contact.events.splice(0);
    await postEvent(server, newer, secrets);
    await botFor(h.ctx, memoryLogger().logger).idle();
    await postEvent(server, older, secrets);
    await botFor(h.ctx, memoryLogger().logger).idle();
    const team = (await h.db.select<{ id: number }>('SELECT id FROM teams WHERE lark_department_id = :d', { d: b }))[0];
    expect(Number((await user(h, who)).team_id)).toBe(Number(team.id));
    expect(isEmptyDiff(await full())).toBe(true);
  });

  it(`a random sequence of events ends where a full sync of the final org would (seed ${SEED})`, async () => {
    const r = rng(SEED);
    const dir = lark.contact;
    let nextUser = 5000;
    let nextDept = 500;
    const live = () => [...dir.users.values()].filter((u) => !u.resigned);
    const depts = () => [...dir.depts.keys()];
    for (let step = 0; step < 80; step++) {
      const k = r();
      if (k < 0.2) dir.moveUser(pick(r, live()).openId, [pick(r, depts())]);
      else if (k < 0.3) dir.addUser({ openId: `ou_n${nextUser++}`, name: `新人 ${nextUser}`, departments: [pick(r, depts())] });
      else if (k < 0.4) dir.resign(pick(r, live()).openId);
      else if (k < 0.5) dir.renameDepartment(pick(r, depts()), `改名 ${step}`);
      else if (k < 0.62) dir.setLeader(pick(r, depts()), pick(r, live()).openId);
      else if (k < 0.7) dir.addDepartment({ id: `od-n${nextDept++}`, parentId: pick(r, depts()), name: `新部门 ${step}` });
      else if (k < 0.78) dir.updateUser(pick(r, live()).openId, { name: `改名员工 ${step}` });
      else if (k < 0.86) {
        const tops = depts().filter((d) => dir.depts.get(d)!.parentId === '0');
        const dropped = pick(r, tops); // one top-level department leaves the app's range
        dir.setScope({ departments: tops.filter((d) => d !== dropped) });
      } else if (k < 0.92) dir.setScope({ departments: ['0'] });
      else {
        // a leaf department with nobody left in it is deleted
        const empty = depts().filter((d) => !dir.descendants(d).length && !live().some((u) => u.departments.includes(d)));
        if (empty.length) dir.deleteDepartment(pick(r, empty));
      }
      if (step % 20 === 19) await deliver();
    }
    const evs = await deliver();
    // re-delivery: the last events again (the same event_ids) change nothing
    for (const ev of evs.slice(-5)) await postEvent(server, ev, secrets);
    await botFor(h.ctx, memoryLogger().logger).idle();
    expect(posted).toBeGreaterThan(30);
    const failed = await h.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM lark_inbox WHERE status <> 'done'");
    expect(Number(failed[0].n)).toBe(0);
    const diff = await full();
    expect({ seed: SEED, ...diff, warnings: [] }).toMatchObject({ seed: SEED, teamsAdded: [], teamsRenamed: [], teamsMoved: [], added: [], moved: [], promoted: [], renamed: [], managerChanged: [], deactivated: [], reactivated: [] });
  });
});
