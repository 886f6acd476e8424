import fs from 'node:fs';
import path from 'node:path';
import { tsFiles } from '../helpers/source-files';

/**
 * The chat sandbox is server composition only (ARCHITECTURE.md): no code line in bot/ or core/ names it, and the
 * product (server/, incl. the built-in Lark-compatible Open API promoted from tests/helpers) imports no test
 * dependency — supertest, jest, tests/.
 */
const ROOT = path.resolve(__dirname, '../..');
const code = (file: string) =>
  fs
    .readFileSync(file, 'utf8')
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .split('\n')
    .filter((l) => !/^\s*\/\//.test(l));
const NAMES_SANDBOX = /sandbox/i;
const TEST_DEP = /(from\s+|import\(\s*|require\(\s*)['"](supertest|jest|@jest\/[^'"]+|(\.\.\/)+tests(\/[^'"]*)?)['"]/;

describe('nothing in bot/ or core/ knows the sandbox; the product imports no test dependency', () => {
  const files = (dir: string) => tsFiles(path.join(ROOT, dir)).map((f) => [path.relative(ROOT, f), f]);
  it.each([...files('bot'), ...files('core')])('%s names no sandbox', (_rel, file) => {
    expect(code(file).filter((l) => NAMES_SANDBOX.test(l))).toEqual([]);
  });
  it.each(files('server'))('%s imports no test dependency', (_rel, file) => {
    expect(fs.readFileSync(file, 'utf8').split('\n').filter((l) => TEST_DEP.test(l))).toEqual([]);
  });
  it('the checks catch what they look for', () => {
    expect(TEST_DEP.test(`import request from 'supertest';`)).toBe(true);
    expect(TEST_DEP.test(`import { FakeLark } from '../../tests/helpers/fake-lark';`)).toBe(true);
    expect(TEST_DEP.test(`import { expect } from '@jest/globals';`)).toBe(true);
    expect(TEST_DEP.test(`import { LarkOpenApi } from './lark/open-api';`)).toBe(false);
    expect(code(path.join(ROOT, 'server/sandbox/index.ts')).some((l) => NAMES_SANDBOX.test(l))).toBe(true);
  });
});
