import { createCipheriv, createDecipheriv, createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Lark's callback cryptography (see shared/notes/lark-facts.md):
 * - body `{"encrypt": base64(IV[16] + AES-256-CBC/PKCS7(json))}`, key = SHA-256(encryptKey);
 * - `X-Lark-Signature` = hex SHA-256(timestamp + nonce + encryptKey + rawBody);
 * - legacy card callbacks: hex SHA-1(timestamp + nonce + verificationToken + rawBody).
 * Pure functions, shared by the routes and the test fake.
 */
export function larkDecrypt(encryptKey: string, encrypted: string): string {
  const buf = Buffer.from(encrypted, 'base64');
  if (buf.length < 32 || (buf.length - 16) % 16 !== 0) throw new Error('bad ciphertext length');
  const key = createHash('sha256').update(encryptKey).digest();
  const decipher = createDecipheriv('aes-256-cbc', key, buf.subarray(0, 16));
  return Buffer.concat([decipher.update(buf.subarray(16)), decipher.final()]).toString('utf8');
}

export function larkEncrypt(encryptKey: string, plain: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const iv = randomBytes(16);
  const cipher = createCipheriv('aes-256-cbc', key, iv);
  return Buffer.concat([iv, cipher.update(plain, 'utf8'), cipher.final()]).toString('base64');
}

export function eventSignature(timestamp: string, nonce: string, encryptKey: string, rawBody: Buffer | string): string {
  return createHash('sha256').update(timestamp + nonce + encryptKey).update(rawBody).digest('hex');
}

export function legacyCardSignature(timestamp: string, nonce: string, verificationToken: string, rawBody: Buffer | string): string {
  return createHash('sha1').update(timestamp + nonce + verificationToken).update(rawBody).digest('hex');
}

/** Constant-time comparison of two strings (false when lengths differ). */
export function safeEqual(a: string | undefined | null, b: string | undefined | null): boolean {
  if (typeof a !== 'string' || typeof b !== 'string') return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
