import type { Client } from '../api/types';

/** Which build this is (Taro replaces process.env.TARO_ENV at build time; tests may set it). */
export function platform(): Client {
  const env = process.env.TARO_ENV as string | undefined;
  return env === 'weapp' || env === 'lark' ? env : 'h5';
}
