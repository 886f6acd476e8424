import { loadConfig, ConfigError, redactUrl } from '../../server/config';

describe('config', () => {
  it('starts with no environment at all: SQLite, port 3000, zh-CN, Asia/Shanghai', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('sqlite:data/crm.sqlite');
    expect(c.port).toBe(3000);
    expect(c.locale).toBe('zh-CN');
    expect(c.timezone).toBe('Asia/Shanghai');
    expect(c.lark.mode).toBe('webhook');
  });

  it.each([
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ DATABASE_URL: 'postgres://x@y/z' }, 'DATABASE_URL'],
    [{ CRM_TIMEZONE: 'Mars/Olympus' }, 'CRM_TIMEZONE'],
    [{ CRM_LOCALE: 'fr' }, 'CRM_LOCALE'],
    [{ LARK_DOMAIN: 'ftp://x' }, 'LARK_DOMAIN'],
    [{ LARK_MODE: 'poll' }, 'LARK_MODE'],
    [{ MP_SESSION_SECRET: 'short' }, 'MP_SESSION_SECRET'],
    [{ LARK_APP_ID: 'cli_x' }, 'LARK_APP_SECRET'],
    [{ LARK_MODE: 'ws' }, 'LARK_MODE'],
  ])('%j is refused with one line naming %s', (env, variable) => {
    let err: unknown;
    try {
      loadConfig(env as NodeJS.ProcessEnv);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    expect(msg).toContain(variable);
    expect(msg.startsWith(`Invalid configuration: ${variable}`)).toBe(true);
    expect(msg).not.toContain('\n');
  });

  it('never echoes a secret value in the error', () => {
    expect(() => loadConfig({ MP_SESSION_SECRET: 'hunter2' })).toThrow(/MP_SESSION_SECRET/);
    expect(() => loadConfig({ MP_SESSION_SECRET: 'hunter2' })).not.toThrow(/hunter2/);
  });

  it('accepts MySQL, a Lark base URL and English', () => {
    const c = loadConfig({ DATABASE_URL: 'mysql://root:pw@127.0.0.1:3306/crm', LARK_DOMAIN: 'http://127.0.0.1:9999', CRM_LOCALE: 'en', PORT: '8080' });
    expect(c.port).toBe(8080);
    expect(c.lark.domain).toBe('http://127.0.0.1:9999');
    expect(redactUrl(c.databaseUrl)).toBe('mysql://root:***@127.0.0.1:3306/crm');
  });
});

describe('CRM_TRUST_PROXY', () => {
  it('is off unless asked for, so X-Forwarded-For cannot dodge per-IP limits', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(loadConfig({ CRM_TRUST_PROXY: 'on' }).trustProxy).toBe(true);
  });
});

describe('links, uploads and mini-program limits', () => {
  it('default to localhost, data/uploads, 20 and 120', () => {
    const c = loadConfig({ PORT: '8080' });
    expect(c.publicUrl).toBe('http://localhost:8080');
    expect(c.uploadDir).toBe('data/uploads');
    expect(c.mp).toEqual({ signInPerMinute: 20, sessionPerMinute: 120, demoInviteCode: undefined });
  });
  it('take a public URL without its trailing slash', () => {
    expect(loadConfig({ CRM_PUBLIC_URL: 'https://crm.example.com/' }).publicUrl).toBe('https://crm.example.com');
  });
  it.each([
    [{ CRM_PUBLIC_URL: 'not a url' }, 'CRM_PUBLIC_URL'],
    [{ CRM_MP_SIGNIN_RPM: '0' }, 'CRM_MP_SIGNIN_RPM'],
    [{ CRM_MP_SESSION_RPM: 'lots' }, 'CRM_MP_SESSION_RPM'],
    [{ CRM_DEMO_INVITE_CODE: 'x' }, 'CRM_DEMO_INVITE_CODE'],
  ])('%j is refused naming %s', (env, variable) => {
    expect(() => loadConfig(env as NodeJS.ProcessEnv)).toThrow(new RegExp(`^Invalid configuration: ${variable}`));
  });
});
