/**
 * The tests' fake Lark: the built-in Lark-compatible Open API (server/sandbox/lark/open-api.ts, strict: it refuses what
 * Lark refuses; see its header for the API, the rules and failure injection) under its test name `FakeLark`, the
 * callback builders and signing (server/sandbox/lark/events.ts), plus the supertest helpers that post them to the
 * real /lark routes.
 *
 * ## Typical bot test
 *   const lark = await FakeLark.start();
 *   const { app } = await testApp(h.ctx, [larkRouter], { LARK_ENCRYPT_KEY: 'k', LARK_VERIFICATION_TOKEN: 'v' });
 *   await postEvent(app.callback(), messageEvent({ openId, text: '...' }), { encryptKey: 'k', verificationToken: 'v' });
 *   await botFor(h.ctx, logger).idle();              // processing runs after the 200; wait for it
 *   await new OutboxWorker({ core, logger, client: lark.client() }).drain();   // core with a real clock (backoff/leases)
 *   expect(lark.messagesTo(chatId)) ...
 *   await postEvent(server, cardActionEvent({ openId, value: { action: 'x', key: 'k1' } }), secrets);
 *   await postLegacyCard(server, legacyCardBody({ openId, value }), secrets);   // SHA-1 signed legacy callback
 *   (both throw when the answer carries a card that breaks the Card JSON 2.0 rules: Lark would show the user error 200673)
 */
import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { legacyCardSignature } from '../../bot/crypto';
import { assertAnswerCard, signedRequest, type LarkSecrets, type SignOptions } from '../../server/sandbox/lark/events';

export { LarkOpenApi as FakeLark, silentSdkLogger, type FakeMessage, type FailureKind, type FakeLarkOptions, type RefusedCard, type DeliveryEvent } from '../../server/sandbox/lark/open-api';
export {
  newEventId, messageEvent, cardActionEvent, legacyCardBody, signedRequest, assertAnswerCard,
  type LarkSecrets, type MessageEventOptions, type CardActionEventOptions, type SignOptions,
} from '../../server/sandbox/lark/events';

type Target = Parameters<typeof request>[0];

/** POSTs an event to /lark/events, encrypted and signed like Lark; a card in the answer is validated (assertAnswerCard). */
export async function postEvent(target: Target, body: Record<string, unknown>, secrets: LarkSecrets, o: SignOptions = {}) {
  const { headers, raw } = signedRequest(body, secrets, o);
  const res = await request(target).post('/lark/events').set(headers).send(raw);
  assertAnswerCard(res.body);
  return res;
}

/** POSTs a legacy card callback to /lark/cards with the SHA-1 signature over the verification token; validates an answered card. */
export async function postLegacyCard(target: Target, body: Record<string, unknown>, secrets: LarkSecrets, o: { timestamp?: string; nonce?: string; signWith?: string } = {}) {
  const raw = JSON.stringify(body);
  const timestamp = o.timestamp ?? String(Math.floor(Date.now() / 1000));
  const nonce = o.nonce ?? randomBytes(8).toString('hex');
  const sig = legacyCardSignature(timestamp, nonce, o.signWith ?? secrets.verificationToken ?? '', raw);
  const res = await request(target)
    .post('/lark/cards')
    .set({ 'content-type': 'application/json', 'x-lark-request-timestamp': timestamp, 'x-lark-request-nonce': nonce, 'x-lark-signature': sig })
    .send(raw);
  assertAnswerCard(res.body);
  return res;
}
