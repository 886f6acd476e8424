import { AppError, isAppError } from '../core/errors';
import type { Locale } from './i18n';
import type { CardActionResult } from './types';

/** The one mapping of errors to chat: an AppError's localized message, anything else a generic INTERNAL text. */
export function errorText(e: unknown, locale: Locale): string {
  return isAppError(e) ? e.localized(locale) : new AppError('INTERNAL').localized(locale);
}

/** The one mapping of errors to a card action answer (a toast; ALREADY_DONE is informational). */
export function errorToast(e: unknown, locale: Locale): CardActionResult {
  const type = isAppError(e) && e.code === 'ALREADY_DONE' ? 'info' : 'error';
  return { toast: { type, content: errorText(e, locale) } };
}
