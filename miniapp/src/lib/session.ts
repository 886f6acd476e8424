import Taro from '@tarojs/taro';
import type { Session } from '../api/types';

const KEY = 'crm.session';

export function getSession(): Session | null {
  try {
    const raw = Taro.getStorageSync(KEY) as Session | '' | undefined;
    if (!raw || typeof raw !== 'object' || !raw.token) return null;
    if (raw.expiresAt && new Date(raw.expiresAt).getTime() <= Date.now()) return null;
    return raw;
  } catch {
    return null;
  }
}

export function saveSession(session: Session): void {
  Taro.setStorageSync(KEY, session);
}

export function clearSession(): void {
  try {
    Taro.removeStorageSync(KEY);
  } catch {
    // storage unavailable: nothing to clear
  }
}
