import { MemoryBudgetStore, SendLimits } from '../../bot/outbox/limits';

/**
 * The guard of a second (its last 400 ms): a grant taken then is counted in that second AND the next, so a request
 * that reaches Lark a little late stays within whichever second Lark counts it in — and a reply never waits for the
 * next second while the budget has room.
 */
describe('Lark send budget: straddling grants in the guard of a second', () => {
  const SEC = 1_800_000_000;
  let now = 0;
  beforeEach(() => jest.spyOn(Date, 'now').mockImplementation(() => now));
  afterEach(() => jest.restoreAllMocks());

  it('outside the guard: counted in its second only, usable until the guard', async () => {
    const store = new MemoryBudgetStore();
    const limits = new SendLimits(store);
    now = SEC * 1000 + 100;
    const g = (await limits.take('oc_a', 3))!;
    expect(g).toMatchObject({ sec: SEC, left: 3, straddles: false });
    expect(limits.usable(g, SEC * 1000 + 599)).toBe(true);
    expect(limits.usable(g, SEC * 1000 + 600)).toBe(false);
    expect((await store.take('oc_a', SEC + 1, 5, true, { app: 50, receiver: 5 })).n).toBe(5); // next second untouched
  });

  it('in the guard: granted at once, counted in both seconds, usable until the next second’s guard', async () => {
    const store = new MemoryBudgetStore();
    const limits = new SendLimits(store);
    now = SEC * 1000 + 700;
    const g = (await limits.take('oc_b', 3))!;
    expect(g).toMatchObject({ sec: SEC, left: 3, straddles: true });
    expect(limits.usable(g, SEC * 1000 + 999)).toBe(true);
    expect(limits.usable(g, (SEC + 1) * 1000 + 599)).toBe(true);
    expect(limits.usable(g, (SEC + 1) * 1000 + 600)).toBe(false);
    // the next second has 2 of 5 left for this chat, and 47 of 50 for the app
    expect((await store.take('oc_b', SEC + 1, 5, true, { app: 50, receiver: 5 })).n).toBe(2);
    expect((await store.take('oc_c', SEC + 1, 50, true, { app: 50, receiver: 50 })).n).toBe(45);
    // what is not used goes back to the seconds that are not over (a fresh budget: in a one-row-per-bucket store —
    // memory, database — the first straddling grant moved the app bucket on to the next second, so another take in
    // this guard waits for that second, as every take in the guard did before straddling grants)
    const store2 = new MemoryBudgetStore();
    const limits2 = new SendLimits(store2);
    const h = (await limits2.take('oc_h', 3))!;
    expect(h.straddles).toBe(true);
    await limits2.giveBack(h);
    expect((await store2.take('oc_h', SEC + 1, 5, true, { app: 50, receiver: 5 })).n).toBe(5);
  });

  it('a bucket that moved on to the next second grants nothing more in the earlier one (as the database row does)', async () => {
    const store = new MemoryBudgetStore();
    const lim = { app: 50, receiver: 5 };
    expect((await store.take('oc_e', SEC + 1, 1, true, lim)).n).toBe(1);
    expect(await store.take('oc_e', SEC, 5, true, lim)).toEqual({ n: 0, appFull: true });
  });
});
