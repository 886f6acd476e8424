import { Button, Text, View } from '@tarojs/components';
import { t } from '../lib/i18n';

export function Loading() {
  return (
    <View className='muted center'>
      <Text>{t('loading')}</Text>
    </View>
  );
}

export function ErrorBox({ message, onRetry }: { message: string; onRetry?: () => void }) {
  return (
    <View className='error-box' role='alert'>
      <Text>{message}</Text>
      {onRetry ? (
        <Button className='btn small' onClick={onRetry}>
          {t('retry')}
        </Button>
      ) : null}
    </View>
  );
}

export function FieldError({ message }: { message?: string | null }) {
  if (!message) return null;
  return (
    <View className='field-error' role='alert'>
      <Text>{message}</Text>
    </View>
  );
}
