import { useState } from 'react';
import { useRouter } from '@tarojs/taro';
import { Button, Text, Textarea, View } from '@tarojs/components';
import { api, ApiError } from '../../api';
import type { Survey } from '../../api/types';
import { errorText, useLoader, useRequireSession } from '../../lib/hooks';
import { t } from '../../lib/i18n';
import { ErrorBox, FieldError, Loading } from '../../components/Status';
import './index.css';

function range(min: number, max: number): number[] {
  return Array.from({ length: max - min + 1 }, (_, i) => min + i);
}

export default function SurveyPage() {
  const id = Number((useRouter().params as Record<string, string | undefined>).id);
  const signedIn = useRequireSession();
  const { data: survey, error, loading, reload, setData } = useLoader<Survey>(() => api.survey(id), signedIn && id > 0, id);
  const [score, setScore] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async () => {
    if (!survey) return;
    if (score === null) {
      setFormError(t('scoreRequired'));
      return;
    }
    setBusy(true);
    setFormError(null);
    try {
      setData(await api.answerSurvey(survey.id, { score, ...(comment.trim() ? { comment: comment.trim() } : {}) }));
    } catch (e) {
      // answered elsewhere (another device, a double tap): show the recorded answer
      if (e instanceof ApiError && e.status === 409) await reload();
      else setFormError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  if (!signedIn) return <View className='page' />;
  if (!survey) return <View className='page'>{loading ? <Loading /> : <ErrorBox message={error ?? t('loadFailed')} onRetry={reload} />}</View>;

  if (survey.answer) {
    return (
      <View className='page survey'>
        <View className='card center'>
          <Text className='title block'>{t('thanks')}</Text>
          <Text className='muted block'>{t('yourScore', { score: survey.answer.score })}</Text>
          {survey.answer.comment ? <Text className='block'>{survey.answer.comment}</Text> : null}
        </View>
      </View>
    );
  }
  if (survey.status === 'expired') {
    return (
      <View className='page survey'>
        <View className='card center muted'>{t('surveyExpired')}</View>
      </View>
    );
  }

  const nps = survey.kind === 'nps';
  const scale = range(survey.scale?.min ?? (nps ? 0 : 1), survey.scale?.max ?? (nps ? 10 : 5));
  return (
    <View className='page survey'>
      <View className='card'>
        {survey.ticket ? <Text className='muted small block'>{survey.ticket.no} · {survey.ticket.title}</Text> : null}
        <Text className='title block'>{nps ? t('npsQuestion') : survey.question}</Text>
        {nps ? (
          <View>
            <View className='nps'>
              {scale.map((n) => (
                <Text key={n} className={`nps-cell ${score === n ? 'active' : ''}`} aria-label={`nps-${n}`} onClick={() => setScore(n)}>
                  {n}
                </Text>
              ))}
            </View>
            <View className='row muted small'>
              <Text>{t('npsLow')}</Text>
              <Text>{t('npsHigh')}</Text>
            </View>
          </View>
        ) : (
          <View className='stars'>
            {scale.map((n) => (
              <Text key={n} className={`star ${score !== null && n <= score ? 'on' : ''}`} aria-label={`star-${n}`} onClick={() => setScore(n)}>
                {score !== null && n <= score ? '★' : '☆'}
              </Text>
            ))}
          </View>
        )}
        <Text className='label'>{t('comment')}</Text>
        <Textarea className='textarea comment' value={comment} maxlength={1000} onInput={(e) => setComment(e.detail.value)} />
        <FieldError message={formError} />
        <Button className='btn primary submit' disabled={busy || undefined} onClick={() => void submit()}>
          {busy ? t('submitting') : t('submit')}
        </Button>
      </View>
    </View>
  );
}
