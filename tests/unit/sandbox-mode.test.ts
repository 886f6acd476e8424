import { isLoopback, sandboxMode, sandboxUrl } from '../../server/sandbox/mode';
import { loadConfig } from '../../server/config';

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
});
