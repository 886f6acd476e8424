import pino, { type Logger } from 'pino';

export type { Logger };

/** Paths that may carry secrets or personal data; pino replaces them before anything is written. */
export const REDACT_PATHS = [
  'appSecret', '*.appSecret', 'app_secret', '*.app_secret', 'secret', '*.secret', 'password', '*.password',
  'token', '*.token', 'encryptKey', '*.encryptKey', 'verificationToken', '*.verificationToken',
  'tenant_access_token', '*.tenant_access_token', 'authorization', '*.authorization',
  'req.headers.authorization', 'req.headers.cookie', 'headers.authorization', 'sessionToken', '*.sessionToken',
  'apiKey', '*.apiKey', 'encrypt', '*.encrypt',
];

const SECRET_KEYS = 'app_secret|appSecret|tenant_access_token|app_access_token|access_token|refresh_token|encrypt|encryptKey|encrypt_key|token|verificationToken|session_key|secret|password';

/**
 * Hides secrets inside free text (pino's redaction only sees structured fields): bearer tokens and the
 * values of secret-named JSON keys, e.g. in a third-party SDK's stringified request errors.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]')
    // Also inside JSON that was itself stringified (\"app_secret\":\"…\").
    .replace(new RegExp(`(\\\\?"(?:${SECRET_KEYS})\\\\?"\\s*:\\s*\\\\?")[^"\\\\]*`, 'g'), '$1[redacted]');
}

export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info', destination?: pino.DestinationStream): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { app: 'crm' } }, destination);
}
