import { isLoopback, sandboxMode, sandboxUrl } from '../../server/sandbox/mode';
import { loadConfig } from '../../server/config';
import { isLocalHostName } from '../../server/sandbox/routes';
import { LarkOpenApi } from '../../server/sandbox/lark/open-api';

describe('CRM_SANDBOX: when the sandbox is on and who may use it', () => {
  const mode = (env: Record<string, string>) => sandboxMode(loadConfig(env));
  it.each([
    [{}, { enabled: true, allowRemote: false }],
    [{ CRM_SANDBOX: 'auto' }, { enabled: true, allowRemote: false }],
    [{ LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 's' }, { enabled: false, allowRemote: false }],
    [{ LARK_APP_ID: 'cli_x', LARK_APP_SECRET: 's', CRM_SANDBOX: 'on' }, { enabled: true, allowRemote: true }],
    [{ CRM_SANDBOX: 'on' }, { enabled: true, allowRemote: true }],
    [{ CRM_SANDBOX: 'off' }, { enabled: false, allowRemote: false }],
    // only an app id counts as "a Lark app is configured"
    [{ LARK_VERIFICATION_TOKEN: 'v', LARK_ENCRYPT_KEY: 'k' }, { enabled: true, allowRemote: false }],
    // one process of several (CRM_ROLE web or worker): the sandbox lives in one process, so auto leaves it off
    [{ CRM_ROLE: 'web' }, { enabled: false, allowRemote: false }],
    [{ CRM_ROLE: 'worker' }, { enabled: false, allowRemote: false }],
    [{ CRM_ROLE: 'web', CRM_SANDBOX: 'on' }, { enabled: true, allowRemote: true }],
  ])('%j → %j', (env, expected) => {
    expect(mode(env)).toEqual(expected);
  });

  it('refuses an unknown value naming the variable', () => {
    expect(() => loadConfig({ CRM_SANDBOX: 'yes' })).toThrow(/CRM_SANDBOX/);
  });

  it('knows loopback peers', () => {
    for (const a of ['127.0.0.1', '127.5.0.9', '::1', '::ffff:127.0.0.1']) expect([a, isLoopback(a)]).toEqual([a, true]);
    for (const a of ['192.0.2.2', '10.0.0.1', '::ffff:10.0.0.1', 'fd00::2', '', undefined, '1127.0.0.1', '127.0.0.1.evil']) expect([a, isLoopback(a)]).toEqual([a, false]);
  });

  it('prints a URL people can open', () => {
    expect(sandboxUrl('0.0.0.0', 3000)).toBe('http://localhost:3000/sandbox');
    expect(sandboxUrl('127.0.0.1', 3001)).toBe('http://localhost:3001/sandbox');
    expect(sandboxUrl('192.0.2.2', 3000)).toBe('http://192.0.2.2:3000/sandbox');
    expect(sandboxUrl('fd00::2', 3000)).toBe('http://[fd00::2]:3000/sandbox');
  });

  it('knows host names of this machine (DNS rebinding sends another name)', () => {
    for (const h of ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '[::1]', '::1', '']) expect([h, isLocalHostName(h)]).toEqual([h, true]);
    for (const h of ['evil.example', 'localhost.evil.example', '192.0.2.2', '[fd00::2]', '127.0.0.1.nip.io']) expect([h, isLocalHostName(h)]).toEqual([h, false]);
  });

  it("the built-in Open API forgets its oldest messages beyond maxMessages (the sandbox's memory stays bounded)", async () => {
    const api = await LarkOpenApi.start({ maxMessages: 3, receiverLimit: 100 });
    try {
      const client = api.client();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        const r = await client.im.v1.message.create({ params: { receive_id_type: 'open_id' }, data: { receive_id: 'ou_x', msg_type: 'text', content: JSON.stringify({ text: `m${i}` }) } });
        ids.push(r.data!.message_id!);
      }
      expect(api.messages.map((m) => m.content.text)).toEqual(['m2', 'm3', 'm4']);
      expect(api.message(ids[0])).toBeUndefined();
      expect(api.message(ids[4])?.content).toEqual({ text: 'm4' });
    } finally {
      await api.close();
    }
  });
});
