import http from 'node:http';
import type { StreamMessage, StreamUpdate } from './hub';
import type { SandboxPerson } from './index';

/**
 * A small Node client of the sandbox's HTTP API (what the page does, for scripts, the bench and tests):
 *   const sb = new SandboxClient('http://127.0.0.1:3000');
 *   const stream = await sb.stream('ou_demo_rep1');             // SSE, after its `ready` (history replayed)
 *   const { messageId } = await sb.say('ou_demo_rep1', '帮助');
 *   const answer = await stream.next((e) => e.type === 'message' && e.data.from === 'bot');
 *   stream.close();
 */
export type ClientEvent = { type: 'message'; data: StreamMessage; receivedAt: number } | { type: 'update'; data: StreamUpdate; receivedAt: number };

export interface HttpAnswer<T = unknown> {
  status: number;
  body: T;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });

export class SandboxClient {
  constructor(readonly baseUrl: string) {}

  async request<T = unknown>(method: string, path: string, body?: unknown): Promise<HttpAnswer<T>> {
    const url = new URL(path, this.baseUrl);
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(url, { method, agent, headers: data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {} }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = text ? JSON.parse(text) : null;
          } catch {
            // not JSON (the page)
          }
          resolve({ status: res.statusCode ?? 0, body: parsed as T });
        });
      });
      req.on('error', reject);
      req.end(data);
    });
  }

  async people(): Promise<SandboxPerson[]> {
    const r = await this.request<SandboxPerson[]>('GET', '/sandbox/api/people');
    if (r.status !== 200) throw new Error(`GET /sandbox/api/people answered ${r.status}`);
    return r.body;
  }

  async say(as: string, text: string, chat?: string): Promise<{ eventId: string; messageId: string }> {
    const r = await this.request<{ eventId: string; messageId: string }>('POST', '/sandbox/api/messages', { as, text, ...(chat ? { chat } : {}) });
    if (r.status !== 200) throw new Error(`POST /sandbox/api/messages answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  }

  async act(body: { as: string; messageId: string; value: Record<string, unknown>; tag?: string; name?: string; formValue?: Record<string, unknown>; option?: string }) {
    return this.request<{ toast?: { type: string; content: string }; card?: { type: 'raw'; data: Record<string, unknown> }; refused?: unknown[] }>('POST', '/sandbox/api/actions', body);
  }

  /** Opens the person's stream; resolves once the history is replayed (`ready`). */
  stream(as: string): Promise<SandboxStream> {
    return SandboxStream.open(new URL(`/sandbox/api/stream?as=${encodeURIComponent(as)}`, this.baseUrl));
  }
}

export class SandboxStream {
  /** Every event so far (history first), in order. */
  readonly events: ClientEvent[] = [];
  private waiters: { pred: (e: ClientEvent) => boolean; from: number; resolve: (e: ClientEvent) => void }[] = [];
  private req!: http.ClientRequest;
  /** Index of the first live event (after `ready`). */
  live = 0;

  static open(url: URL): Promise<SandboxStream> {
    const s = new SandboxStream();
    return new Promise((resolve, reject) => {
      s.req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`stream answered ${res.statusCode}`));
          res.resume();
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let i: number;
          while ((i = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, i);
            buf = buf.slice(i + 2);
            let type = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event: ')) type = line.slice(7);
              else if (line.startsWith('data: ')) data += line.slice(6);
            }
            if (!data) continue;
            if (type === 'ready') {
              s.live = s.events.length;
              resolve(s);
              continue;
            }
            if (type === 'message' || type === 'update') s.push({ type, data: JSON.parse(data), receivedAt: performance.now() } as ClientEvent);
          }
        });
      });
      s.req.on('error', reject);
    });
  }

  private push(e: ClientEvent): void {
    const at = this.events.push(e) - 1;
    this.waiters = this.waiters.filter((w) => {
      if (at >= w.from && w.pred(e)) {
        w.resolve(e);
        return false;
      }
      return true;
    });
  }

  /** The first event at index ≥ `from` (default: now, i.e. the next one) that matches; rejects after `ms`. */
  next(pred: (e: ClientEvent) => boolean, o: { from?: number; ms?: number } = {}): Promise<ClientEvent> {
    const from = o.from ?? this.events.length;
    const hit = this.events.slice(from).find(pred);
    if (hit) return Promise.resolve(hit);
    return new Promise((resolve, reject) => {
      const w = { pred, from, resolve: (e: ClientEvent) => (clearTimeout(timer), resolve(e)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((x) => x !== w);
        reject(new Error(`no matching sandbox event within ${o.ms ?? 10_000} ms (${this.events.length} events so far)`));
      }, o.ms ?? 10_000);
      this.waiters.push(w);
    });
  }

  close(): void {
    this.req.destroy();
  }
}
