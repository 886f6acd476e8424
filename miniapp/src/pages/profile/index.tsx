import { useState } from 'react';
import Taro from '@tarojs/taro';
import { Button, Input, Text, View } from '@tarojs/components';
import { api } from '../../api';
import type { Profile } from '../../api/types';
import { errorText, useLoader, useRequireSession } from '../../lib/hooks';
import { clearSession } from '../../lib/session';
import { ROUTES } from '../../lib/routes';
import { formatTime, getLocale, setLocale, t, type Locale } from '../../lib/i18n';
import { ErrorBox, FieldError, Loading } from '../../components/Status';
import './index.css';

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export default function ProfilePage() {
  const signedIn = useRequireSession();
  const { data: profile, error, loading, reload, setData } = useLoader<Profile>(() => api.profile(), signedIn);
  const [editing, setEditing] = useState(false);
  const [form, setForm] = useState({ name: '', title: '', email: '' });
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [, setLocaleState] = useState<Locale>(getLocale());

  const startEdit = () => {
    if (!profile) return;
    setForm({ name: profile.contact.name, title: profile.contact.title ?? '', email: profile.contact.email ?? '' });
    setFormError(null);
    setEditing(true);
  };

  const save = async () => {
    if (!form.name.trim()) return setFormError(t('nameRequired'));
    if (form.email.trim() && !EMAIL.test(form.email.trim())) return setFormError(t('emailInvalid'));
    setBusy(true);
    try {
      setData(await api.updateProfile({ name: form.name.trim(), title: form.title.trim(), email: form.email.trim() || null }));
      setEditing(false);
      setFormError(null);
      void Taro.showToast({ title: t('saved'), icon: 'success' });
    } catch (e) {
      setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const logout = async () => {
    try {
      await api.logout();
    } catch {
      // the token is dropped locally either way
    }
    clearSession();
    Taro.reLaunch({ url: ROUTES.signIn });
  };

  const switchLocale = (l: Locale) => {
    setLocale(l);
    setLocaleState(l);
  };

  if (!signedIn) return <View className='page' />;
  if (!profile) return <View className='page'>{loading ? <Loading /> : <ErrorBox message={error ?? t('loadFailed')} onRetry={reload} />}</View>;
  const c = profile.contact;
  return (
    <View className='page profile'>
      <View className='card'>
        {editing ? (
          <View>
            <Text className='label'>{t('name')}</Text>
            <Input className='input name-input' value={form.name} onInput={(e) => setForm({ ...form, name: e.detail.value })} />
            <Text className='label'>{t('jobTitle')}</Text>
            <Input className='input title-input' value={form.title} onInput={(e) => setForm({ ...form, title: e.detail.value })} />
            <Text className='label'>{t('email')}</Text>
            <Input className='input email-input' value={form.email} onInput={(e) => setForm({ ...form, email: e.detail.value })} />
            <FieldError message={formError} />
            <View className='row'>
              <Button className='btn' onClick={() => setEditing(false)}>
                {t('cancel')}
              </Button>
              <Button className='btn primary save' disabled={busy || undefined} onClick={() => void save()}>
                {t('save')}
              </Button>
            </View>
          </View>
        ) : (
          <View>
            <Text className='title block'>{c.name}</Text>
            {c.title ? <Text className='muted block'>{c.title}</Text> : null}
            <Text className='block'>
              {t('company')}：{profile.customer.name}
            </Text>
            {c.phone ? (
              <Text className='block'>
                {t('phone')}：{c.phone}
              </Text>
            ) : null}
            {c.email ? (
              <Text className='block'>
                {t('email')}：{c.email}
              </Text>
            ) : null}
            <Button className='btn small edit' onClick={startEdit}>
              {t('edit')}
            </Button>
          </View>
        )}
      </View>
      <View className='card'>
        <Text className='block'>{profile.bindings.wechat ? t('wechatBound') : t('wechatNotBound')}</Text>
        <Text className='block'>{profile.bindings.lark ? t('larkBound') : t('larkNotBound')}</Text>
        <Text className='muted small block'>{t('sessionUntil', { date: formatTime(profile.session.expiresAt) })}</Text>
      </View>
      <View className='card'>
        <Text className='label'>{t('language')}</Text>
        <View className='chips'>
          <Text className={`chip ${getLocale() === 'zh-CN' ? 'active' : ''}`} onClick={() => switchLocale('zh-CN')}>
            中文
          </Text>
          <Text className={`chip ${getLocale() === 'en' ? 'active' : ''}`} onClick={() => switchLocale('en')}>
            English
          </Text>
        </View>
      </View>
      <Button className='btn danger logout' onClick={() => void logout()}>
        {t('logout')}
      </Button>
    </View>
  );
}
