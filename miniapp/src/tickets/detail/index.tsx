import { useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Image, Text, Textarea, View } from '@tarojs/components';
import { api, API_ORIGIN, ApiError } from '../../api';
import type { TicketDetail, TimelineEntry } from '../../api/types';
import { errorText, useLoader, useRequireSession } from '../../lib/hooks';
import { ROUTES, withQuery } from '../../lib/routes';
import { formatTime, t } from '../../lib/i18n';
import { ErrorBox, FieldError, Loading } from '../../components/Status';
import '../tickets.css';

function entryText(e: TimelineEntry): string {
  if (e.kind === 'status') return t('statusChange', { to: e.toLabel ?? e.to ?? '' });
  return e.body ?? '';
}

export default function TicketDetailPage() {
  const id = Number((useRouter().params as Record<string, string | undefined>).id);
  const signedIn = useRequireSession();
  const { data: ticket, error, loading, reload, setData } = useLoader<TicketDetail>(() => api.ticket(id), signedIn && id > 0, id);
  const [comment, setComment] = useState('');
  const [commentError, setCommentError] = useState<string | null>(null);
  const [reopening, setReopening] = useState(false);
  const [reason, setReason] = useState('');
  const [reopenError, setReopenError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const send = async () => {
    if (!ticket) return;
    if (!comment.trim()) {
      setCommentError(t('commentRequired'));
      return;
    }
    setBusy(true);
    setCommentError(null);
    try {
      await api.comment(ticket.id, comment.trim());
      setComment('');
      // the status may have moved (waiting on customer → in progress): read the ticket again
      setData(await api.ticket(ticket.id));
    } catch (e) {
      setCommentError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const reopen = async () => {
    if (!ticket) return;
    if (!reason.trim()) {
      setReopenError(t('reopenReasonRequired'));
      return;
    }
    setBusy(true);
    setReopenError(null);
    try {
      setData(await api.reopen(ticket.id, reason.trim()));
      setReopening(false);
      setReason('');
    } catch (e) {
      setReopenError(e instanceof ApiError && e.status === 422 ? t('reopenExpired') : errorText(e));
    } finally {
      setBusy(false);
    }
  };

  if (!signedIn) return <View className='page' />;
  if (!ticket) return <View className='page'>{loading ? <Loading /> : <ErrorBox message={error ?? t('loadFailed')} onRetry={reload} />}</View>;
  const closed = ticket.status === 'closed';
  return (
    <View className='page ticket-detail'>
      <View className='card'>
        <View className='row'>
          <Text className='ticket-title'>{ticket.title}</Text>
          <Text className={`status status-${ticket.status}`}>{ticket.statusLabel}</Text>
        </View>
        <Text className='muted small block'>
          {ticket.no} · {ticket.typeLabel} · {t('createdAt')} {formatTime(ticket.createdAt)}
        </Text>
        <Text className='block agent'>
          {t('agent')}：{ticket.agent ? ticket.agent.name : t('unassigned')}
        </Text>
        <Text className='block description'>{ticket.description}</Text>
        {ticket.attachments.length ? (
          <View className='photos'>
            {ticket.attachments.map((a) => (
              <Image
                key={a.id}
                className='thumb'
                src={`${API_ORIGIN}${a.url}`}
                mode='aspectFill'
                onClick={() => void Taro.previewImage({ urls: ticket.attachments.map((x) => `${API_ORIGIN}${x.url}`), current: `${API_ORIGIN}${a.url}` })}
              />
            ))}
          </View>
        ) : null}
      </View>

      {ticket.survey && ticket.survey.status === 'pending' ? (
        <Button className='btn primary' onClick={() => void Taro.navigateTo({ url: withQuery(ROUTES.survey, { id: ticket.survey!.id }) })}>
          {t('rateService')}
        </Button>
      ) : null}

      <View className='card'>
        <Text className='label'>{t('timeline')}</Text>
        {ticket.timeline.map((e) => (
          <View key={e.id} className={`entry entry-${e.kind} by-${e.author?.type ?? 'system'}`}>
            <Text className='muted small block'>
              {e.author?.name ? `${e.author.name} · ` : ''}
              {formatTime(e.at)}
            </Text>
            <Text className='block'>{entryText(e)}</Text>
          </View>
        ))}
      </View>

      {closed ? (
        <View className='muted center'>{t('ticketClosed')}</View>
      ) : (
        <View className='card'>
          <Text className='label'>{t('addComment')}</Text>
          <Textarea className='textarea comment' value={comment} placeholder={t('commentPlaceholder')} maxlength={5000} onInput={(e) => setComment(e.detail.value)} />
          <FieldError message={commentError} />
          <Button className='btn primary send' disabled={busy || undefined} onClick={() => void send()}>
            {t('send')}
          </Button>
        </View>
      )}

      {ticket.canReopen ? (
        reopening ? (
          <View className='card'>
            <Text className='label'>{t('reopenReason')}</Text>
            <Textarea className='textarea reason' value={reason} maxlength={1000} onInput={(e) => setReason(e.detail.value)} />
            <FieldError message={reopenError} />
            <View className='row'>
              <Button className='btn' onClick={() => setReopening(false)}>
                {t('cancel')}
              </Button>
              <Button className='btn primary confirm-reopen' disabled={busy || undefined} onClick={() => void reopen()}>
                {t('confirm')}
              </Button>
            </View>
          </View>
        ) : (
          <Button className='btn reopen' onClick={() => setReopening(true)}>
            {t('reopen')}
          </Button>
        )
      ) : null}
    </View>
  );
}
