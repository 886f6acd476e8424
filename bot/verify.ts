import { eventSignature, larkDecrypt, legacyCardSignature, safeEqual } from './crypto';

/**
 * Our own verification of Lark callbacks over the raw body, in front of any processing
 * (the SDK's adapter misses the token once a key is set, skips replay checks and answers 204/500).
 */
export interface VerifyConfig {
  encryptKey?: string;
  verificationToken?: string;
  /** Replay window (default 5 minutes). */
  maxSkewMs?: number;
}

export type Verified =
  | { ok: true; challenge?: string; body: Record<string, unknown> }
  | { ok: false; status: 400 | 401; reason: string };

type Headers = Record<string, string | string[] | undefined>;
const header = (h: Headers, name: string): string | undefined => {
  const v = h[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
};

const DEFAULT_SKEW_MS = 5 * 60_000;

/**
 * `kind` 'event' is POST /lark/events (schema 2.0 events incl. card.action.trigger);
 * 'card' is POST /lark/cards (legacy card callbacks, SHA-1 signed with the verification token,
 * or new-style bodies which are checked like events).
 */
export function verifyLarkRequest(kind: 'event' | 'card', raw: Buffer, headers: Headers, cfg: VerifyConfig, nowMs = Date.now()): Verified {
  if (!cfg.encryptKey && !cfg.verificationToken) return { ok: false, status: 401, reason: 'lark callbacks are not configured' };
  let outer: unknown;
  try {
    outer = JSON.parse(raw.toString('utf8'));
  } catch {
    return { ok: false, status: 400, reason: 'malformed JSON' };
  }
  if (!outer || typeof outer !== 'object' || Array.isArray(outer)) return { ok: false, status: 400, reason: 'body is not an object' };
  let body = outer as Record<string, unknown>;
  const encrypted = typeof body.encrypt === 'string';
  if (encrypted) {
    if (!cfg.encryptKey) return { ok: false, status: 401, reason: 'encrypted body but no encrypt key configured' };
    try {
      const inner = JSON.parse(larkDecrypt(cfg.encryptKey, body.encrypt as string));
      if (!inner || typeof inner !== 'object' || Array.isArray(inner)) return { ok: false, status: 401, reason: 'undecryptable body' };
      body = inner as Record<string, unknown>;
    } catch {
      return { ok: false, status: 401, reason: 'undecryptable body' };
    }
  }

  const token = (body.header as { token?: unknown } | undefined)?.token ?? body.token;
  const tokenOk = !cfg.verificationToken || safeEqual(String(token ?? ''), cfg.verificationToken);

  // URL verification: answered with the challenge; the token (and, when encrypted, the key) proves it is Lark.
  if (body.type === 'url_verification') {
    if (!tokenOk) return { ok: false, status: 401, reason: 'wrong verification token' };
    if (cfg.encryptKey && !encrypted && !cfg.verificationToken) return { ok: false, status: 401, reason: 'unencrypted challenge' };
    return { ok: true, challenge: String(body.challenge ?? ''), body };
  }

  const ts = header(headers, 'x-lark-request-timestamp');
  const nonce = header(headers, 'x-lark-request-nonce') ?? '';
  const signature = header(headers, 'x-lark-signature');
  const legacyCard = kind === 'card' && !encrypted && !('schema' in body);

  if (legacyCard) {
    if (!cfg.verificationToken) return { ok: false, status: 401, reason: 'legacy card callbacks need LARK_VERIFICATION_TOKEN' };
    if (!ts || !signature) return { ok: false, status: 401, reason: 'missing signature headers' };
    if (!safeEqual(signature, legacyCardSignature(ts, nonce, cfg.verificationToken, raw))) return { ok: false, status: 401, reason: 'bad signature' };
  } else if (cfg.encryptKey) {
    if (!ts || !signature) return { ok: false, status: 401, reason: 'missing signature headers' };
    if (!safeEqual(signature, eventSignature(ts, nonce, cfg.encryptKey, raw))) return { ok: false, status: 401, reason: 'bad signature' };
  }
  if (ts !== undefined || cfg.encryptKey || legacyCard) {
    const sec = Number(ts);
    if (!Number.isFinite(sec) || Math.abs(nowMs - sec * 1000) > (cfg.maxSkewMs ?? DEFAULT_SKEW_MS)) return { ok: false, status: 401, reason: 'stale or invalid timestamp' };
  }
  // A legacy card body's `token` is the card-update token; its signature already proves the verification token.
  if (legacyCard) return { ok: true, body };
  if (!tokenOk) return { ok: false, status: 401, reason: 'wrong verification token' };
  if (!cfg.encryptKey && cfg.verificationToken && token === undefined) return { ok: false, status: 401, reason: 'missing verification token' };
  return { ok: true, body };
}
