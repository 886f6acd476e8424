import { useEffect } from 'react';
import Taro, { useRouter } from '@tarojs/taro';
import { Button, Text, View } from '@tarojs/components';
import { api } from '../../api';
import type { Me, Survey } from '../../api/types';
import { useLoader, useRequireSession } from '../../lib/hooks';
import { param, ROUTES, withQuery } from '../../lib/routes';
import { getLocale, money, t } from '../../lib/i18n';
import { tierName } from '../../lib/tiers';
import { ErrorBox, Loading } from '../../components/Status';
import './index.css';

interface HomeData {
  me: Me;
  surveys: Survey[];
}

const go = (url: string) => () => void Taro.navigateTo({ url });

export default function Home() {
  const invite = param(useRouter().params as Record<string, string | undefined>, 'invite');
  // An invite link (<base>/?invite=CODE) lands here first: hand it to the sign-in page.
  useEffect(() => {
    if (invite) Taro.redirectTo({ url: withQuery(ROUTES.signIn, { invite }) });
  }, [invite]);
  const signedIn = useRequireSession(!!invite) && !invite;
  const { data, error, loading, reload } = useLoader<HomeData>(async () => {
    const [me, surveys] = await Promise.all([api.me(), api.surveys('pending').catch(() => ({ items: [] as Survey[] }))]);
    return { me, surveys: surveys.items };
  }, signedIn);

  if (!signedIn) return <View className='page' />;
  if (!data) return <View className='page'>{loading ? <Loading /> : <ErrorBox message={error ?? t('loadFailed')} onRetry={reload} />}</View>;
  const { me, surveys } = data;
  return (
    <View className='page home'>
      <View className='card account'>
        <Text className='company'>{me.customer.name}</Text>
        {me.customer.tier ? <Text className='tag'>{t('tier', { tier: tierName(me.customer.tier, getLocale()) })}</Text> : null}
        <Text className='muted block'>{t('hello', { name: me.contact.name })}</Text>
      </View>

      <View className='card owner'>
        <Text className='label'>{t('yourRep')}</Text>
        {me.owner ? (
          <View>
            <Text className='owner-name block'>{me.owner.name}</Text>
            {me.owner.phone ? (
              <Text className='link block' onClick={() => void Taro.makePhoneCall({ phoneNumber: me.owner!.phone! }).catch(() => undefined)}>
                {me.owner.phone}
              </Text>
            ) : null}
            {me.owner.email ? <Text className='muted block'>{me.owner.email}</Text> : null}
          </View>
        ) : (
          <Text className='muted'>{t('noRep')}</Text>
        )}
      </View>

      <View className='card stats'>
        <View className='stat' onClick={go(withQuery(ROUTES.ticketList, { status: 'open' }))}>
          <Text className='num'>{me.tickets.open}</Text>
          <Text className='muted'>{t('openTickets')}</Text>
        </View>
        <View className='stat' onClick={go(withQuery(ROUTES.ticketList, { status: 'open' }))}>
          <Text className='num'>{me.tickets.waitingCustomer}</Text>
          <Text className='muted'>{t('waitingTickets')}</Text>
        </View>
        <View className='stat'>
          <Text className='num'>{me.pendingSurveys}</Text>
          <Text className='muted'>{t('pendingSurveys')}</Text>
        </View>
      </View>

      {surveys.map((s) => (
        <View key={s.id} className='card survey-invite' onClick={go(withQuery(ROUTES.survey, { id: s.id }))}>
          <Text>{s.kind === 'nps' || !s.ticket ? t('npsInvite') : t('surveyInvite', { no: s.ticket.no })}</Text>
          <Text className='link'> ›</Text>
        </View>
      ))}

      {me.contracts ? (
        <View className='card'>
          <Text className='label'>{t('contracts')}</Text>
          <Text className='block'>{t('contractsActive', { n: me.contracts.active, amount: money(me.contracts.totalCents) })}</Text>
        </View>
      ) : null}
      {me.receivables ? (
        <View className='card'>
          <Text className='label'>{t('receivables')}</Text>
          <Text className={`block ${me.receivables.overdueCents > 0 ? 'danger' : ''}`}>
            {t('receivablesStatus', { outstanding: money(me.receivables.outstandingCents), overdue: money(me.receivables.overdueCents) })}
          </Text>
        </View>
      ) : null}

      <View className='actions'>
        <Button className='btn primary' onClick={go(ROUTES.ticketNew)}>
          {t('newTicket')}
        </Button>
        <Button className='btn' onClick={go(ROUTES.ticketList)}>
          {t('myTickets')}
        </Button>
        <Button className='btn' onClick={go(ROUTES.kbSearch)}>
          {t('knowledge')}
        </Button>
        <Button className='btn' onClick={go(ROUTES.profile)}>
          {t('profile')}
        </Button>
      </View>
    </View>
  );
}
