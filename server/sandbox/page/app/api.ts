/** The sandbox endpoints (server/sandbox, H3): the page talks to nothing else. */
export interface Person {
  openId: string;
  userId?: string | null;
  name: string;
  role: string;
  team?: string | null;
  locale?: string | null;
  chats?: Chat[];
}
export interface Chat {
  chatId: string;
  name: string;
  type?: 'p2p' | 'group';
}
export interface StreamMessage {
  messageId: string;
  chatId?: string | null;
  receiveId?: string | null;
  receiveIdType?: string | null;
  msgType: string;
  content: Record<string, unknown> | string;
  at?: number | string;
  replyTo?: string | null;
  from?: 'bot' | 'user';
  sender?: string | null;
  text?: string;
}
export interface ActionAnswer {
  toast?: { type?: string; content?: string } | null;
  card?: Record<string, unknown> | null;
}
export interface ActionBody {
  as: string;
  messageId: string;
  value: unknown;
  tag: string;
  name?: string;
  formValue?: Record<string, unknown>;
  option?: string;
}

const BASE = '/sandbox/api';

async function json<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : {};
  if (!res.ok) {
    const err = (body as { error?: { message?: string } }).error;
    throw new Error(err?.message || `HTTP ${res.status}`);
  }
  return body as T;
}

export async function people(): Promise<Person[]> {
  const body = await json<Person[] | { people: Person[] }>(await fetch(`${BASE}/people`));
  return Array.isArray(body) ? body : body.people ?? [];
}

/** The groups a person is in, when the server lists them (optional endpoint: [] otherwise). */
export async function chats(as: string): Promise<Chat[]> {
  try {
    const res = await fetch(`${BASE}/chats?as=${encodeURIComponent(as)}`);
    if (!res.ok) return [];
    const body = (await res.json()) as Chat[] | { chats: Chat[] };
    return Array.isArray(body) ? body : body.chats ?? [];
  } catch {
    return [];
  }
}

export async function sendMessage(as: string, text: string, chat: string): Promise<{ eventId?: string; messageId: string }> {
  return json(await fetch(`${BASE}/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ as, text, chat }) }));
}

export async function sendAction(body: ActionBody): Promise<ActionAnswer> {
  return json(await fetch(`${BASE}/actions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }));
}

export function stream(as: string, on: { message(m: StreamMessage): void; update(u: { messageId: string; content: Record<string, unknown> | string }): void; state(s: 'live' | 'offline'): void; ready?(): void }): () => void {
  const es = new EventSource(`${BASE}/stream?as=${encodeURIComponent(as)}`);
  const parse = (e: MessageEvent) => {
    try {
      return JSON.parse(String(e.data)) as unknown;
    } catch {
      return null;
    }
  };
  es.addEventListener('open', () => on.state('live'));
  es.addEventListener('error', () => on.state('offline'));
  es.addEventListener('message', (e) => {
    const m = parse(e as MessageEvent) as StreamMessage | null;
    if (m && m.messageId) on.message(m);
  });
  es.addEventListener('ready', () => on.ready?.());
  es.addEventListener('update', (e) => {
    const u = parse(e as MessageEvent) as { messageId: string; content: Record<string, unknown> } | null;
    if (u && u.messageId) on.update(u);
  });
  return () => es.close();
}
