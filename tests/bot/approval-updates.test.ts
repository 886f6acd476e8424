import { larkRouter } from '../../bot/routes';
import { OutboxWorker } from '../../bot/outbox/worker';
import { createContext } from '../../core/compose';
import type { CoreContext } from '../../core/context';
import { createContract, submitContract } from '../../core/contracts/operations';
import { actorOf, type UserDto } from '../../core/users/operations';
import { describeEachDb } from '../helpers/db';
import { testApp, memoryLogger } from '../helpers/app';
import { FakeLark, cardActionEvent, postEvent, type FakeMessage } from '../helpers/fake-lark';
import { draft, makeOrg, type Org } from '../integration/contracts/fixtures';

jest.setTimeout(60_000);

/**
 * One approval decision updates every copy of the approval card exactly once: the clicked copy by the click's
 * synchronous answer, every other copy by one PATCH from the outbox — never both.
 */
const secrets = { encryptKey: 'test-encrypt-key', verificationToken: 'test-verification-token' };
const env = { LARK_ENCRYPT_KEY: secrets.encryptKey, LARK_VERIFICATION_TOKEN: secrets.verificationToken };

describeEachDb('approval card copies are updated once per change', (h) => {
  let lark: FakeLark;
  let worker: OutboxWorker;
  let server: ReturnType<import('koa')['callback']>;
  let o: Org;
  beforeAll(async () => {
    lark = await FakeLark.start();
    const delivery: CoreContext = createContext(h.db); // real clock: the worker's leases and backoff run in real time
    worker = new OutboxWorker({ core: delivery, logger: memoryLogger('error').logger, client: lark.client(), backoffMs: 30, maxBackoffMs: 300 });
    o = await makeOrg(h.ctx);
    server = (await testApp(h.ctx, [larkRouter], env)).app.callback();
  });
  afterAll(async () => lark.close());

  const click = async (u: UserDto, value: Record<string, unknown>, formValue?: Record<string, unknown>) =>
    (await postEvent(server, cardActionEvent({ openId: u.larkOpenId!, value: value as { action: string }, formValue }), secrets)).body as { toast?: { type: string }; card?: { data: Record<string, unknown> } };
  const copyOf = (u: UserDto): FakeMessage => {
    const cards = lark.messagesTo(u.larkOpenId!).filter((m) => m.msgType === 'interactive' && JSON.stringify(m.content).includes('approval.'));
    expect(cards).toHaveLength(1);
    return cards[0];
  };

  it('approve: the approver\'s copy is answered by the click, the submitter\'s copy patched once; a comment likewise', async () => {
    const customerId = await o.customer();
    const contract = await createContract(h.ctx, actorOf(o.rep), 'api', draft(customerId, 5_000_000, 1000));
    const submitted = await submitContract(h.ctx, actorOf(o.rep), 'api', { contractId: contract.id });
    expect(submitted.steps).toHaveLength(1);
    await worker.drain();
    const submitterCopy = copyOf(o.rep);
    const approverCopy = copyOf(o.manager);
    expect([submitterCopy.updates, approverCopy.updates]).toEqual([[], []]);
    const patchedBefore = lark.stats.patched;

    // The approver decides on their copy: the click's answer carries their updated card...
    const r = await click(o.manager, { action: 'approval.approve', stepId: submitted.currentStep!.id }, { comment: '同意' });
    expect(r.toast?.type).toBe('success');
    expect(JSON.stringify(r.card?.data)).not.toContain('approval.approve');
    await worker.drain();
    // ...and the outbox patches every other copy once, never the clicked one again.
    expect(approverCopy.updates).toHaveLength(0);
    expect(submitterCopy.updates).toHaveLength(1);
    expect(JSON.stringify(submitterCopy.updates[0])).not.toContain('approval.withdraw');
    expect(lark.stats.patched - patchedBefore).toBe(1);

    // A comment from the submitter's copy: that copy answered by the click, the approver's patched once.
    const c = await click(o.rep, { action: 'approval.comment', requestId: submitted.requestId }, { comment: '谢谢' });
    expect(c.toast?.type).toBe('success');
    expect(JSON.stringify(c.card?.data)).toContain('谢谢');
    await worker.drain();
    expect(submitterCopy.updates).toHaveLength(1);
    expect(approverCopy.updates).toHaveLength(1);
    expect(JSON.stringify(approverCopy.updates[0])).toContain('谢谢');
    expect(lark.stats.patched - patchedBefore).toBe(2);
  });

  it('through the API (no card answers anything): every copy is patched once by the outbox', async () => {
    const { decideStep } = await import('../../core/approvals/operations');
    const customerId = await o.customer({ owner: o.rep2 });
    const contract = await createContract(h.ctx, actorOf(o.rep2), 'api', draft(customerId, 5_000_000, 1000));
    const submitted = await submitContract(h.ctx, actorOf(o.rep2), 'api', { contractId: contract.id });
    await worker.drain();
    const copies = [copyOf(o.rep2), lark.messagesTo(o.manager.larkOpenId!).filter((m) => JSON.stringify(m.content).includes(`"stepId":${submitted.currentStep!.id}`))[0]];
    expect(copies[1]).toBeDefined();
    await decideStep(h.ctx, actorOf(o.manager), 'api', { stepId: submitted.currentStep!.id, decision: 'approve' });
    await worker.drain();
    expect(copies.map((m) => m.updates.length)).toEqual([1, 1]);
  });
});
