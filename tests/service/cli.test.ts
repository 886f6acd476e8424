// MySQL migrations of the whole schema can take > 5 s on a loaded 2-core machine.
jest.setTimeout(60_000);
import { runCli } from '../../server/cli/run';
import type { CliIo } from '../../server/cli/types';
import { describeEachDb } from '../helpers/db';
import { makeWorld } from './fixtures';
import { redeemInvite } from '../../core/mp/operations';
import { searchArticles } from '../../core/knowledge/operations';

function io(): CliIo & { out_: string[]; err_: string[] } {
  const out_: string[] = [];
  const err_: string[] = [];
  return { out_, err_, out: (l) => out_.push(l), err: (l) => err_.push(l) };
}

describeEachDb('CLI: service desk', (h) => {
  const env = () => ({ DATABASE_URL: h.url });

  it('mp invite prints a code that signs the contact in; kb add indexes an article; tickets sla-sweep runs', async () => {
    const w = await makeWorld(h.ctx, [['咨询']]);
    const o = io();
    expect(await runCli(['mp', 'invite', '--customer-id', String(w.customerA.id), '--contact-id', String(w.customerA.contactId)], env(), o)).toBe(0);
    const code = /: ([A-Z0-9]{8}) /.exec(o.out_[0])![1];
    expect(o.out_[0]).toContain(`(link http://localhost:3000/?invite=${code}, valid until `); // the full link, CRM_PUBLIC_URL's default
    expect((await redeemInvite(h.ctx, { code })).customer.id).toBe(w.customerA.id);
    expect(await runCli(['mp', 'invite', '--customer-id', String(w.customerA.id), '--contact-id', String(w.customerA.contactId)], { ...env(), CRM_PUBLIC_URL: 'https://crm.example.com/' }, o)).toBe(0);
    expect(o.out_.at(-1)).toMatch(/\(link https:\/\/crm\.example\.com\/\?invite=[A-Z0-9]{8}, valid until /);
    expect(await runCli(['mp', 'invite', '--customer-id', 'x'], env(), o)).toBe(2);
    expect(await runCli(['mp', 'revoke', '--contact-id', String(w.customerA.contactId)], env(), o)).toBe(0);
    expect(o.out_[o.out_.length - 1]).toBe(`revoked 1 session(s) of contact ${w.customerA.contactId}`);
    expect(await runCli(['kb', 'add', '--title', '发票抬头如何修改', '--body', '在订单页修改抬头后重新申请。', '--tags', '发票,财务'], env(), o)).toBe(0);
    expect((await searchArticles(h.ctx, { kind: 'system' }, { q: '修改发票抬头' })).items[0].title).toBe('发票抬头如何修改');
    expect(await runCli(['tickets', 'sla-sweep'], env(), o)).toBe(0);
    expect(o.out_[o.out_.length - 1]).toMatch(/^warned \d+, breached \d+, closed \d+$/);
  });
});
