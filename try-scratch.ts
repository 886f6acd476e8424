import { chromium } from 'playwright-core';
(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] });
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  const as = process.env.AS ?? 'ou_demo_rep1';
  await page.goto('http://127.0.0.1:3947/sandbox?as=' + as);
  await page.waitForFunction(() => (window as any).sandbox?.history);
  for (const s of process.argv.slice(2)) {
    if (s.startsWith('click:')) {
      const label = s.slice(6);
      const t0 = Date.now();
      await page.locator('.msg.bot').last().locator('button', { hasText: label }).first().click();
      await page.waitForTimeout(1500);
      console.log('clicked', label, Date.now() - t0, 'toasts:', await page.locator('.toast').allInnerTexts());
      continue;
    }
    const before = await page.locator('.msg.bot').count();
    const t0 = Date.now();
    await page.fill('#input', s);
    await page.press('#input', 'Enter');
    await page.waitForFunction((n) => document.querySelectorAll('.msg.bot').length > n, before, { timeout: 15000 }).catch(() => console.log('no answer'));
    console.log('>', s, Date.now() - t0, 'ms');
    await page.waitForTimeout(300);
  }
  await page.screenshot({ path: '/tmp/h4/shot.png' });
  const last = page.locator('.msg.bot').last();
  console.log('LAST:', (await last.innerText()).slice(0, 1200));
  console.log('buttons:', await last.locator('button').allInnerTexts());
  console.log(await page.evaluate(() => JSON.stringify((window as any).sandbox)), errors);
  await browser.close();
})();
