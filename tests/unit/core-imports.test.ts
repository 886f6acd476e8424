import fs from 'node:fs';
import path from 'node:path';
import { tsFiles } from '../helpers/source-files';

const CORE = path.resolve(__dirname, '../../core');
const FORBIDDEN = /from\s+['"](koa|koa\/.*|@koa\/.*|@larksuiteoapi\/.*|@tarojs\/.*|(\.\.\/)+(bot|server|miniapp)(\/.*)?)['"]|require\(['"](koa|@koa\/|@larksuiteoapi|@tarojs)/;

describe('core/ imports no transport', () => {
  it('has files to check', () => {
    expect(tsFiles(CORE).length).toBeGreaterThan(5);
  });
  it.each(tsFiles(CORE).map((f) => [path.relative(CORE, f), f]))('%s', (_rel, file) => {
    const offending = fs.readFileSync(file, 'utf8').split('\n').filter((l) => FORBIDDEN.test(l));
    expect(offending).toEqual([]);
  });
  it('the check itself catches a transport import', () => {
    expect(FORBIDDEN.test(`import Koa from 'koa';`)).toBe(true);
    expect(FORBIDDEN.test(`import { Client } from '@larksuiteoapi/node-sdk';`)).toBe(true);
    expect(FORBIDDEN.test(`import x from '../../server/app';`)).toBe(true);
    expect(FORBIDDEN.test(`import { z } from 'zod';`)).toBe(false);
  });
});
