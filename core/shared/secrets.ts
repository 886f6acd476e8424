const SECRET_KEYS = 'app_secret|appSecret|tenant_access_token|app_access_token|access_token|refresh_token|encrypt|encryptKey|encrypt_key|token|verificationToken|session_key|secret|password';

/**
 * A secret-named key: the names above, and any other *_token / *Token / *secret* field (Lark's verification token in
 * `header.token`, the card callback token in `event.token`, an `encrypt` body…).
 */
const SECRET_KEY = new RegExp(`^(?:${SECRET_KEYS}|encrypt_?key|verification_?token|.*_token|.*Token|.*[sS]ecret.*)$`);

/**
 * A deep copy without secret-named keys: what may be stored (the bot's lark_inbox.payload) or logged. Values under
 * other keys are kept (message text and button values are data); only keys named like secrets are dropped.
 */
export function withoutSecrets<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => withoutSecrets(x)) as T;
  if (!v || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (!SECRET_KEY.test(k)) out[k] = withoutSecrets(x);
  return out as T;
}

/**
 * Hides secrets inside free text (a logger's redaction only sees structured fields): bearer tokens and the
 * values of secret-named JSON keys, e.g. in a third-party SDK's stringified request errors.
 * Used by the server's logger and the bot's SDK log bridge.
 */
export function scrubSecrets(text: string): string {
  return text
    .replace(/(Bearer\s+)[^\s"',]+/gi, '$1[redacted]')
    // Also inside JSON that was itself stringified (\"app_secret\":\"…\").
    .replace(new RegExp(`(\\\\?"(?:${SECRET_KEYS})\\\\?"\\s*:\\s*\\\\?")[^"\\\\]*`, 'g'), '$1[redacted]');
}
