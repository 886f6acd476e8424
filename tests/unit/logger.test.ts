import { createLogger } from '../../server/logger';
import { scrubSecrets } from '../../core/shared/secrets';
import { sdkLogger } from '../../bot/client';
import { Writable } from 'node:stream';

describe('secrets never reach the log', () => {
  it('scrubs bearer tokens and secret-named JSON values from free text', () => {
    const sdkError = JSON.stringify({
      message: 'Request failed with status code 400',
      config: { headers: { Authorization: 'Bearer t-g1044abcDEF.123' }, data: '{"app_id":"cli_1","app_secret":"s3cr3t"}' },
      body: { tenant_access_token: 't-xyz', encrypt: 'QUJD', expire: 7200 },
    });
    const out = scrubSecrets(sdkError);
    for (const secret of ['t-g1044abcDEF.123', 's3cr3t', 't-xyz', 'QUJD']) expect(out).not.toContain(secret);
    expect(out).toContain('Bearer [redacted]');
    expect(out).toContain('cli_1');
    expect(out).toContain('7200');
  });

  it('structured fields are redacted, and SDK log lines are scrubbed', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) });
    const logger = createLogger('debug', sink);
    logger.info({ appSecret: 'top', req: { headers: { authorization: 'Bearer abc' } } }, 'x');
    sdkLogger(logger).error('[error]:', { headers: { Authorization: 'Bearer t-secret-1' }, app_secret: 'sdk-secret' });
    const all = lines.join('');
    for (const secret of ['top', 'Bearer abc', 't-secret-1', 'sdk-secret']) expect(all).not.toContain(secret);
  });
});
