import type { FakeMessage } from './fake-lark';

/** The most messages the fake Lark delivered in one aligned second: for the app, and for the busiest receiver. */
export function peakRates(messages: FakeMessage[]): { app: number; receiver: number } {
  const app = new Map<number, number>();
  const rcv = new Map<string, number>();
  for (const m of messages) {
    const sec = Math.floor(m.at / 1000);
    app.set(sec, (app.get(sec) ?? 0) + 1);
    const k = `${m.receiveId}@${sec}`;
    rcv.set(k, (rcv.get(k) ?? 0) + 1);
  }
  return { app: Math.max(0, ...app.values()), receiver: Math.max(0, ...rcv.values()) };
}
