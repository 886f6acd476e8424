import { useCallback, useEffect, useRef, useState } from 'react';
import Taro, { useDidShow } from '@tarojs/taro';
import { ApiError, onUnauthenticated } from '../api/client';
import { getSession } from './session';
import { ROUTES } from './routes';
import { t } from './i18n';

/** A user-facing message for any failure. */
export function errorText(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 0) return t('networkError');
    if (e.status === 429) return t('rateLimited');
    if (e.status === 401) return t('sessionExpired');
    return e.message;
  }
  return t('loadFailed');
}

/**
 * Pages behind sign-in: without a session go to the sign-in page; a 401 later (expired or revoked) does too.
 * Returns whether a session exists now. `skip`: the page is about to go elsewhere anyway.
 */
export function useRequireSession(skip = false): boolean {
  const has = !!getSession();
  useEffect(() => {
    if (skip) return undefined;
    if (!has) {
      Taro.redirectTo({ url: ROUTES.signIn });
      return undefined;
    }
    return onUnauthenticated(() => {
      Taro.reLaunch({ url: ROUTES.signIn });
    });
  }, [has, skip]);
  return has;
}

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => Promise<void>;
  setData: (d: T) => void;
}

/** Loads on mount, when `key` changes, and again when the page is shown again (returning from another page), not twice in a row. */
export function useLoader<T>(load: () => Promise<T>, enabled = true, key: string | number = ''): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [loading, setLoading] = useState(enabled);
  const last = useRef(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    last.current = Date.now();
    setLoading(true);
    setError(null);
    try {
      setData(await loadRef.current());
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  }, []);
  // `key` changes (a filter, an id) load again.
  useEffect(() => {
    if (enabled) void reload();
  }, [enabled, reload, key]);
  useDidShow(() => {
    if (enabled && Date.now() - last.current > 1500) void reload();
  });
  return { data, error, loading, reload, setData };
}
