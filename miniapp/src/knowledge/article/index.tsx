import { useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Text, View } from '@tarojs/components';
import { api } from '../../api';
import type { Article } from '../../api/types';
import { errorText, useLoader, useRequireSession } from '../../lib/hooks';
import { param, ROUTES } from '../../lib/routes';
import { formatTime, t } from '../../lib/i18n';
import { ErrorBox, FieldError, Loading } from '../../components/Status';
import '../knowledge.css';

export default function ArticlePage() {
  const params = useRouter().params as Record<string, string | undefined>;
  const id = Number(params.id);
  const signedIn = useRequireSession();
  const { data: article, error, loading, reload, setData } = useLoader<Article>(() => api.article(id), signedIn && id > 0, id);
  const [feedbackError, setFeedbackError] = useState<string | null>(null);

  const vote = async (helpful: boolean) => {
    if (!article) return;
    try {
      const r = await api.articleFeedback(article.id, helpful, param(params, 'q') || undefined);
      setData({ ...article, helpful: r.helpful, myFeedback: r.myFeedback });
      setFeedbackError(null);
      void Taro.showToast({ title: t('feedbackThanks'), icon: 'none' });
    } catch (e) {
      setFeedbackError(errorText(e));
    }
  };

  if (!signedIn) return <View className='page' />;
  if (!article) return <View className='page'>{loading ? <Loading /> : <ErrorBox message={error ?? t('loadFailed')} onRetry={reload} />}</View>;
  return (
    <View className='page kb article'>
      <View className='card'>
        <Text className='article-title block'>{article.title}</Text>
        <View className='muted small'>
          {article.category ? <Text className='tag'>{article.category}</Text> : null}
          {article.tags.map((tag) => (
            <Text key={tag} className='tag'>
              #{tag}
            </Text>
          ))}
          <Text> {formatTime(article.updatedAt)}</Text>
        </View>
        <View className='article-body'>
          {article.body.split(/\n+/).map((para, i) => (
            <Text key={i} className='block para'>
              {para.replace(/^#+\s*/, '')}
            </Text>
          ))}
        </View>
      </View>
      <View className='card'>
        <Text className='block'>{t('helpfulQuestion')}</Text>
        <View className='row'>
          <Button className={`btn small ${article.myFeedback === true ? 'primary' : ''}`} onClick={() => void vote(true)}>
            {t('yes')} ({article.helpful.yes})
          </Button>
          <Button className={`btn small ${article.myFeedback === false ? 'primary' : ''}`} onClick={() => void vote(false)}>
            {t('no')} ({article.helpful.no})
          </Button>
        </View>
        <FieldError message={feedbackError} />
        {article.myFeedback === false ? (
          <Button className='btn primary' onClick={() => void Taro.navigateTo({ url: ROUTES.ticketNew })}>
            {t('stillNeedHelp')}
          </Button>
        ) : null}
      </View>
    </View>
  );
}
