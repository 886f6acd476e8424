const SECRET_KEYS = 'app_secret|appSecret|tenant_access_token|app_access_token|access_token|refresh_token|encrypt|encryptKey|encrypt_key|token|verificationToken|session_key|secret|password';

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
