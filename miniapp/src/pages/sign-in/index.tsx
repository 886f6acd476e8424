import { useEffect, useRef, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Input, Text, View } from '@tarojs/components';
import { api, ApiError } from '../../api';
import { saveSession } from '../../lib/session';
import { platform } from '../../lib/platform';
import { param, ROUTES } from '../../lib/routes';
import { t } from '../../lib/i18n';
import { errorText } from '../../lib/hooks';
import { FieldError } from '../../components/Status';
import './index.css';

/** Strips spaces and dashes and upper-cases, as the server does. */
function normaliseCode(raw: string): string {
  return raw.replace(/[\s-]+/g, '').toUpperCase();
}

function inviteError(e: unknown): string {
  if (e instanceof ApiError) {
    if (e.status === 404) return t('inviteInvalid');
    if (e.status === 422) return t('inviteExpired');
    if (e.status === 409) return t('inviteUsed');
    if (e.status === 400) return e.message || t('inviteInvalid');
  }
  return errorText(e);
}

/** A fresh platform login code (wx.login / tt.login); null on H5 or when the platform refuses. */
async function platformCode(): Promise<string | null> {
  if (platform() === 'h5') return null;
  try {
    const r = await Taro.login();
    return r.code || null;
  } catch {
    return null;
  }
}

export default function SignIn() {
  const raw = useRouter().params as Record<string, string | undefined>;
  const params = { invite: param(raw, 'invite'), code: param(raw, 'code') };
  const [code, setCode] = useState(params.invite ?? params.code ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [silent, setSilent] = useState(platform() !== 'h5' && !params.invite);
  const started = useRef(false);

  const done = (session: Parameters<typeof saveSession>[0]) => {
    saveSession(session);
    Taro.reLaunch({ url: ROUTES.home });
  };

  const submit = async (raw = code) => {
    const normalised = normaliseCode(raw);
    if (!normalised) {
      setError(t('inviteRequired'));
      return;
    }
    setError(null);
    setBusy(true);
    try {
      const client = platform();
      const pcode = await platformCode();
      const session = await api.redeemInvite({
        code: normalised,
        client,
        ...(pcode && client === 'weapp' ? { wechatCode: pcode } : {}),
        ...(pcode && client === 'lark' ? { larkCode: pcode } : {}),
      });
      done(session);
    } catch (e) {
      setError(inviteError(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (started.current) return;
    started.current = true;
    if (params.invite) {
      void submit(params.invite);
      return;
    }
    if (platform() === 'h5') return;
    // WeChat / Lark: a bound contact signs in without typing anything.
    void (async () => {
      try {
        const pcode = await platformCode();
        if (pcode) done(platform() === 'weapp' ? await api.signInWechat(pcode) : await api.signInLark(pcode));
      } catch (e) {
        const notBound = e instanceof ApiError && e.status === 401;
        if (!notBound) setError(errorText(e));
      } finally {
        setSilent(false);
      }
    })();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);

  return (
    <View className='page sign-in'>
      <View className='card'>
        <Text className='title'>{t('signInTitle')}</Text>
        {silent ? (
          <Text className='muted'>{t('silentSigningIn')}</Text>
        ) : (
          <View>
            <Text className='muted block'>{t('signInHint')}</Text>
            <Text className='label'>{t('inviteCode')}</Text>
            <Input
              className='input code-input'
              value={code}
              placeholder={t('inviteCodePlaceholder')}
              maxlength={20}
              onInput={(e) => setCode(e.detail.value)}
              onConfirm={() => void submit()}
            />
            <FieldError message={error} />
            <Button className='btn primary' disabled={busy || undefined} onClick={() => void submit()}>
              {busy ? t('signingIn') : t('signIn')}
            </Button>
          </View>
        )}
      </View>
    </View>
  );
}
