const { buildReport } = require('../../scripts/ensure-h5.js') as { buildReport: (stdout: string) => { warnings: string[]; errors: string[] } };

const esc = '\u001b';
/** What `taro build --type h5` printed on stdout for the real build (a webpack performance hint), colours included. */
const WITH_WARNING = [
  '👽 Taro v4.2.1',
  '✔ Webpack: Compiled successfully in 27.41s',
  '⚠️ Warnings: ',
  '',
  'EntrypointsOverSizeLimitWarning: entrypoint size limit: The following entrypoint(s) combined asset size exceeds the recommended limit (244 KiB). This can impact web performance.',
  'Entrypoints:',
  '  app (305 KiB)',
  '',
  `asset ${esc}[1m${esc}[32mindex.html${esc}[39m${esc}[22m 817 bytes`,
  '',
  `${esc}[1m${esc}[33mWARNING${esc}[39m${esc}[22m in ${esc}[1mentrypoint size limit: The following entrypoint(s) combined asset size exceeds the recommended limit (244 KiB). This can impact web performance.`,
  'Entrypoints:',
  '  app (305 KiB)',
  '      js/13.7f185fd6.js',
  '      js/app.a9f0e7e5.js',
  `${esc}[39m${esc}[22m`,
  '',
  `webpack 5.91.0 compiled with ${esc}[1m${esc}[33m1 warning${esc}[39m${esc}[22m in 27417 ms`,
].join('\n');

describe('the start-up H5 build report (scripts/ensure-h5.js)', () => {
  it("gives each warning's detail, without colours, once", () => {
    const r = buildReport(WITH_WARNING);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toHaveLength(1);
    expect(r.warnings[0]).toContain('entrypoint size limit');
    expect(r.warnings[0]).toContain('app (305 KiB)');
    expect(r.warnings[0]).toContain('js/app.a9f0e7e5.js');
    expect(r.warnings[0]).not.toContain(esc);
  });

  it('says none when the build had none, and gives the errors of a failed build', () => {
    expect(buildReport('✔ Webpack: Compiled successfully\nwebpack 5.91.0 compiled successfully in 20000 ms\n')).toEqual({ warnings: [], errors: [] });
    const failed = buildReport(`${esc}[1m${esc}[31mERROR${esc}[39m${esc}[22m in ./src/app.tsx 3:0-30\nModule not found: Error: Can't resolve './nope'\n\nwebpack compiled with 1 error\n`);
    expect(failed.errors).toEqual(["./src/app.tsx 3:0-30\nModule not found: Error: Can't resolve './nope'"]);
  });

  it('keeps a long warning to 12 lines', () => {
    const long = `WARNING in big\n${Array.from({ length: 30 }, (_, i) => `line ${i}`).join('\n')}\n\n`;
    const [w] = buildReport(long).warnings;
    expect(w.split('\n')).toHaveLength(13);
    expect(w).toContain('… (19 more lines)');
  });
});
