import { useEffect, useRef, useState } from 'react';
import Taro from '@tarojs/taro';
import { Button, Image, Text, Textarea, View } from '@tarojs/components';
import { api, ApiError } from '../../api';
import type { ArticleHit, Meta, Priority, TicketType } from '../../api/types';
import { errorText, useRequireSession } from '../../lib/hooks';
import { ROUTES, withQuery } from '../../lib/routes';
import { t } from '../../lib/i18n';
import { FieldError } from '../../components/Status';
import '../tickets.css';

const FALLBACK_TYPES: Meta['ticketTypes'] = [
  { value: 'consult', label: '咨询' },
  { value: 'tech_support', label: '技术支持' },
  { value: 'complaint', label: '投诉' },
  { value: 'return', label: '退换货' },
  { value: 'repair', label: '维修' },
  { value: 'other', label: '其他' },
];
const MAX_DESCRIPTION = 5000;
const SUGGEST_DELAY_MS = 400;

type Errors = Partial<Record<'type' | 'description' | 'photos' | 'form', string>>;

export default function NewTicket() {
  const signedIn = useRequireSession();
  const [meta, setMeta] = useState<Meta | null>(null);
  const [type, setType] = useState<TicketType | null>(null);
  const [priority, setPriority] = useState<Priority>('normal');
  const [description, setDescription] = useState('');
  const [photos, setPhotos] = useState<string[]>([]);
  const [suggestions, setSuggestions] = useState<ArticleHit[]>([]);
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  useEffect(() => {
    if (signedIn) api.meta().then(setMeta, () => undefined);
  }, [signedIn]);

  // "Did this answer your question?": articles matching what the customer is typing.
  useEffect(() => {
    if (timer.current) clearTimeout(timer.current);
    const q = description.trim().slice(0, 100);
    if (!signedIn || q.length < 2) {
      setSuggestions([]);
      return undefined;
    }
    timer.current = setTimeout(() => {
      api.searchArticles(q, 3).then((r) => setSuggestions(r.items), () => setSuggestions([]));
    }, SUGGEST_DELAY_MS);
    return () => {
      if (timer.current) clearTimeout(timer.current);
    };
  }, [description, signedIn]);

  const maxPhotos = meta?.upload.maxFiles ?? 6;
  const types = meta?.ticketTypes ?? FALLBACK_TYPES;
  const priorities = (meta?.priorities ?? []).filter((p) => p.value === 'normal' || p.value === 'high');

  const addPhoto = async () => {
    try {
      const r = await Taro.chooseImage({ count: maxPhotos - photos.length, sizeType: ['compressed'], sourceType: ['album', 'camera'] });
      setPhotos((prev) => [...prev, ...r.tempFilePaths].slice(0, maxPhotos));
      setErrors((e) => ({ ...e, photos: undefined }));
    } catch {
      // cancelled
    }
  };

  const submit = async () => {
    const errs: Errors = {};
    if (!type) errs.type = t('typeRequired');
    if (!description.trim()) errs.description = t('descriptionRequired');
    else if (description.length > MAX_DESCRIPTION) errs.description = t('descriptionTooLong');
    setErrors(errs);
    if (Object.keys(errs).length || !type) return;
    setBusy(true);
    try {
      const ticket = await api.createTicket({ type, description: description.trim(), priority }, photos);
      const missing = photos.length - ticket.attachments.length;
      void Taro.showToast(missing > 0 ? { title: t('photosMissing', { n: missing }), icon: 'none' } : { title: t('submitted'), icon: 'success' });
      Taro.redirectTo({ url: withQuery(ROUTES.ticketDetail, { id: ticket.id }) });
    } catch (e) {
      const field = e instanceof ApiError && e.field && ['type', 'description', 'photos'].includes(e.field) ? (e.field as keyof Errors) : 'form';
      setErrors({ [field]: errorText(e) });
    } finally {
      setBusy(false);
    }
  };

  if (!signedIn) return <View className='page' />;
  return (
    <View className='page ticket-new'>
      <View className='card'>
        <Text className='label'>{t('ticketType')}</Text>
        <View className='chips'>
          {types.map((o) => (
            <Text key={o.value} className={`chip ${type === o.value ? 'active' : ''}`} onClick={() => setType(o.value)}>
              {o.label}
            </Text>
          ))}
        </View>
        <FieldError message={errors.type} />
        {priorities.length ? (
          <View>
            <Text className='label'>{t('priority')}</Text>
            <View className='chips'>
              {priorities.map((o) => (
                <Text key={o.value} className={`chip ${priority === o.value ? 'active' : ''}`} onClick={() => setPriority(o.value)}>
                  {o.label}
                </Text>
              ))}
            </View>
          </View>
        ) : null}
      </View>

      <View className='card'>
        <Text className='label'>{t('description')}</Text>
        <Textarea
          className='textarea description'
          value={description}
          placeholder={t('descriptionPlaceholder')}
          maxlength={MAX_DESCRIPTION}
          onInput={(e) => setDescription(e.detail.value)}
        />
        <FieldError message={errors.description} />
        {suggestions.length ? (
          <View className='suggestions'>
            <Text className='label'>{t('suggestions')}</Text>
            {suggestions.map((a) => (
              <View
                key={a.id}
                className='suggestion'
                onClick={() => void Taro.navigateTo({ url: withQuery(ROUTES.kbArticle, { id: a.id, q: description.trim().slice(0, 100) }) })}
              >
                <Text className='link'>{a.title}</Text>
              </View>
            ))}
          </View>
        ) : null}
      </View>

      <View className='card'>
        <Text className='label'>{t('photos')}</Text>
        <View className='photos'>
          {photos.map((p, i) => (
            <View key={p} className='photo'>
              <Image className='thumb' src={p} mode='aspectFill' />
              <Text className='remove' onClick={() => setPhotos(photos.filter((_, j) => j !== i))}>
                {t('remove')}
              </Text>
            </View>
          ))}
          {photos.length < maxPhotos ? (
            <View className='photo add' onClick={() => void addPhoto()}>
              <Text>+ {t('addPhoto')}</Text>
            </View>
          ) : null}
        </View>
        <FieldError message={errors.photos} />
      </View>

      <FieldError message={errors.form} />
      <Button className='btn primary submit' disabled={busy || undefined} onClick={() => void submit()}>
        {busy ? t('submitting') : t('submit')}
      </Button>
    </View>
  );
}
