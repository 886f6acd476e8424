import { useState } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Text, View } from '@tarojs/components';
import { api } from '../../api';
import type { TicketPage, TicketSummary } from '../../api/types';
import { errorText, useLoader, useRequireSession } from '../../lib/hooks';
import { ROUTES, withQuery } from '../../lib/routes';
import { formatTime, t } from '../../lib/i18n';
import { ErrorBox, Loading } from '../../components/Status';
import '../tickets.css';

type Filter = 'all' | 'open' | 'closed';
const FILTERS: Filter[] = ['all', 'open', 'closed'];

export default function TicketList() {
  const params = useRouter().params as Record<string, string | undefined>;
  const [filter, setFilter] = useState<Filter>(FILTERS.includes(params.status as Filter) ? (params.status as Filter) : 'all');
  const [more, setMore] = useState<{ items: TicketSummary[]; next: string | null } | null>(null);
  const [moreError, setMoreError] = useState<string | null>(null);
  const signedIn = useRequireSession();
  const page = useLoader<TicketPage>(() => {
    setMore(null);
    return api.tickets({ status: filter, limit: 20 });
  }, signedIn, filter);

  const choose = (f: Filter) => {
    if (f === filter) return;
    setFilter(f);
    setMore(null);
  };

  const next = more ? more.next : page.data?.nextCursor ?? null;
  const items = [...(page.data?.items ?? []), ...(more?.items ?? [])];

  const loadMore = async () => {
    if (!next) return;
    try {
      const r = await api.tickets({ status: filter, limit: 20, cursor: next });
      setMore({ items: [...(more?.items ?? []), ...r.items], next: r.nextCursor });
      setMoreError(null);
    } catch (e) {
      setMoreError(errorText(e));
    }
  };

  if (!signedIn) return <View className='page' />;
  return (
    <View className='page tickets'>
      <View className='tabs'>
        {FILTERS.map((f) => (
          <Text key={f} className={`tab ${f === filter ? 'active' : ''}`} onClick={() => choose(f)}>
            {t(f)}
          </Text>
        ))}
      </View>
      {page.loading && !page.data ? <Loading /> : null}
      {page.error ? <ErrorBox message={page.error} onRetry={page.reload} /> : null}
      {page.data && !items.length ? <View className='muted center empty'>{t('noTickets')}</View> : null}
      {items.map((it) => (
        <View key={it.id} className='card ticket-row' onClick={() => void Taro.navigateTo({ url: withQuery(ROUTES.ticketDetail, { id: it.id }) })}>
          <View className='row'>
            <Text className='ticket-title'>{it.title}</Text>
            <Text className={`status status-${it.status}`}>{it.statusLabel}</Text>
          </View>
          <Text className='muted small block'>
            {it.no} · {it.typeLabel} · {formatTime(it.createdAt)}
          </Text>
        </View>
      ))}
      {moreError ? <ErrorBox message={moreError} /> : null}
      {next ? (
        <Button className='btn' onClick={() => void loadMore()}>
          {t('loadMore')}
        </Button>
      ) : null}
      <Button className='btn primary' onClick={() => void Taro.navigateTo({ url: ROUTES.ticketNew })}>
        {t('newTicket')}
      </Button>
    </View>
  );
}
