import pino, { type Logger } from 'pino';
import { currentTrace } from '../core/shared/trace';

export type { Logger };

/** Paths that may carry secrets or personal data; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  'appSecret', '*.appSecret', 'app_secret', '*.app_secret', 'secret', '*.secret', 'password', '*.password',
  'token', '*.token', 'encryptKey', '*.encryptKey', 'verificationToken', '*.verificationToken',
  'tenant_access_token', '*.tenant_access_token', 'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'sessionToken', '*.sessionToken',
  'apiKey', '*.apiKey', 'encrypt', '*.encrypt',
];

/**
 * Every line carries what caused the work it logs (core/shared/trace.ts): `requestId` (HTTP), `eventId` (a Lark event,
 * also in the inbox processing after the 200 and the outbox deliveries it enqueued), `job` (a scheduled run).
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'crm' }, mixin: () => ({ ...currentTrace() }) }, destination);
}
