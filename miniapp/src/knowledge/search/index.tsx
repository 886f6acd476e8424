import { useEffect, useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Input, Text, View } from '@tarojs/components';
import { api } from '../../api';
import type { ArticleHit } from '../../api/types';
import { errorText, useRequireSession } from '../../lib/hooks';
import { param, ROUTES, withQuery } from '../../lib/routes';
import { t } from '../../lib/i18n';
import { ErrorBox, FieldError, Loading } from '../../components/Status';
import '../knowledge.css';

export default function KnowledgeSearch() {
  const initial = param(useRouter().params as Record<string, string | undefined>, 'q') ?? '';
  const signedIn = useRequireSession();
  const [q, setQ] = useState(initial);
  const [hits, setHits] = useState<ArticleHit[] | null>(null);
  const [searched, setSearched] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [validation, setValidation] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);

  const search = async (text = q) => {
    const query = text.trim().slice(0, 100);
    if (!query) {
      setValidation(t('searchRequired'));
      return;
    }
    setValidation(null);
    setError(null);
    setLoading(true);
    try {
      setHits((await api.searchArticles(query, 20)).items);
      setSearched(query);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (signedIn && initial.trim()) void search(initial);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [signedIn]);

  if (!signedIn) return <View className='page' />;
  return (
    <View className='page kb'>
      <View className='search-bar'>
        <Input className='input search-input' value={q} placeholder={t('searchPlaceholder')} confirmType='search' onInput={(e) => setQ(e.detail.value)} onConfirm={() => void search()} />
        <Button className='btn primary small search-btn' onClick={() => void search()}>
          {t('search')}
        </Button>
      </View>
      <FieldError message={validation} />
      {loading ? <Loading /> : null}
      {error ? <ErrorBox message={error} onRetry={() => void search()} /> : null}
      {hits && !hits.length && !loading ? <View className='muted center empty'>{t('noResults')}</View> : null}
      {(hits ?? []).map((a) => (
        <View key={a.id} className='card hit' onClick={() => void Taro.navigateTo({ url: withQuery(ROUTES.kbArticle, { id: a.id, q: searched }) })}>
          <Text className='hit-title block'>{a.title}</Text>
          <Text className='muted small block'>{a.snippet}</Text>
          {a.category ? <Text className='tag'>{a.category}</Text> : null}
        </View>
      ))}
    </View>
  );
}
