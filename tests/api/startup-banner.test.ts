import { runCli } from '../../server/cli/run';
import { startServer } from '../../server/process';
import { redeemInvite } from '../../core/mp/operations';
import { createContext } from '../../core/compose';
import { createDb } from '../../core/db/connection';
import { line, localUrlOf, publicUrlOf, startupBanner } from '../../server/startup-banner';
import { freshDatabase } from '../helpers/db';
import { memoryLogger, testConfig } from '../helpers/app';

jest.setTimeout(120_000);

describe('the start-up banner', () => {
  it('first start: the H5 app and the demo invite as full URLs, single use, how to make another; later starts say so', async () => {
    const tdb = await freshDatabase('sqlite');
    const env = { DATABASE_URL: tdb.url, PORT: '0', HOST: '127.0.0.1', CRM_DEMO_SEED: 'on' };
    try {
      const first = await startServer(testConfig(env), memoryLogger().logger);
      const base = `http://127.0.0.1:${first.port}`;
      await first.close();
      const text = first.banner.join('\n');
      expect(text).toContain(`${base}/\n`);
      expect(text).toContain(`${base}/healthz`);
      expect(text).toContain(`${base}/metrics`);
      const demoCode = new RegExp(`${base.replace(/[.:/]/g, '\\$&')}/\\?invite=([A-Z0-9]{8}) `).exec(text)?.[1];
      expect(demoCode).toBeDefined();
      expect(text).toContain('single use');
      const another = /make another: npm run crm -- (mp invite --customer-id \d+ --contact \S+)/.exec(text);
      expect(another).not.toBeNull();

      // The command it prints works: a new code for the same contact.
      const out: string[] = [];
      expect(await runCli(another![1].split(' '), { DATABASE_URL: tdb.url }, { out: (l) => out.push(l), err: (l) => out.push(l) })).toBe(0);
      const code = /: ([A-Z0-9]{8}) \(link http:\/\/localhost:3000\/\?invite=\1,/.exec(out[0])![1];
      const db = createDb(tdb.url);
      try {
        const ctx = createContext(db);
        const signed = await redeemInvite(ctx, { code });
        expect(text).toContain(`(${signed.customer.name} / ${signed.contact.name})`);
      } finally {
        await db.close();
      }

      const second = await startServer(testConfig(env), memoryLogger().logger);
      await second.close();
      const later = second.banner.join('\n');
      expect(later).not.toContain(demoCode);
      expect(later).toContain('was shown at the first start, single use');
      expect(later).toContain(`make one: npm run crm -- ${another![1]}`);
    } finally {
      await tdb.drop();
    }
  });

  it('uses CRM_PUBLIC_URL for links when it is set, the local URL otherwise; a section adds its lines', () => {
    const config = testConfig({ PORT: '0' });
    expect(localUrlOf('0.0.0.0', 3000)).toBe('http://localhost:3000');
    expect(localUrlOf('::1', 3000)).toBe('http://[::1]:3000');
    expect(publicUrlOf(config, 'http://localhost:41234')).toBe('http://localhost:41234');
    const pub = testConfig({ CRM_PUBLIC_URL: 'https://crm.example.com' });
    expect(publicUrlOf(pub, 'http://localhost:3000')).toBe('https://crm.example.com');
    const lines = startupBanner({ config: pub, localUrl: 'http://localhost:3000', publicUrl: 'https://crm.example.com', invite: { code: 'ABCD1234', customerId: 7, contact: '王 伟' } }, undefined);
    expect(lines.join('\n')).toContain('https://crm.example.com/?invite=ABCD1234');
    expect(lines.join('\n')).toContain(`--customer-id 7 --contact '王 伟'`);
    const withSandbox = startupBanner({ config, localUrl: 'http://localhost:3000', publicUrl: 'http://localhost:3000', invite: null }, [(b) => [line('沙箱 / sandbox', `${b.localUrl}/sandbox`)]]);
    expect(withSandbox).toContainEqual(expect.stringMatching(/^ {2}沙箱 \/ sandbox +http:\/\/localhost:3000\/sandbox$/));
    // Labels are padded to one column (CJK counts two): the URLs line up.
    const width = (l: string) => [...l].reduce((w, ch) => w + (/[\u2E80-\uFFEF]/.test(ch) ? 2 : 1), 0);
    const lines2 = startupBanner({ config, localUrl: 'http://x', publicUrl: 'http://x', invite: null }).filter((l) => l.includes('http://x'));
    expect(new Set(lines2.map((l) => width(l.slice(0, l.indexOf('http://x')))))).toEqual(new Set([32]));
    expect(lines2.length).toBeGreaterThanOrEqual(4);
    // The chat sandbox's line only when the process runs one.
    const on = startupBanner({ config, localUrl: 'http://localhost:3000', publicUrl: 'http://localhost:3000', invite: null, sandboxUrl: 'http://localhost:3000/sandbox' });
    expect(on).toContainEqual(expect.stringMatching(/聊天沙盒 \/ chat sandbox +http:\/\/localhost:3000\/sandbox /));
    expect(lines2.join('\n')).not.toContain('/sandbox');
  });
});
