import type { DeliveryEvent, FakeMessage, LarkOpenApi } from './lark/open-api';

/**
 * The sandbox's chat log: what the built-in Open API delivered (the bot's messages, from the outbox) and what people
 * typed (echoed), in order, and who sees what. The stream (GET /sandbox/api/stream) replays a person's part of it and
 * follows it live.
 *
 * Who sees a message: a p2p chat (oc_p2p_<open_id>) and a message to an open_id are that person's; a sandbox group is
 * its members'; any other chat (e.g. a team's digest chat configured in the org mapping) is shown to everyone.
 */
export interface StreamMessage {
  messageId: string;
  chatId: string;
  /** What the message was addressed to: an open_id or a chat id (a reply: its chat). */
  receiveId: string;
  msgType: string;
  /** The message content (a card after its last update). */
  content: Record<string, unknown>;
  /** Epoch ms. */
  at: number;
  replyTo: string | null;
  from: 'bot' | 'user';
  /** The person who typed it (from: 'user'). */
  sender?: string;
}

export interface StreamUpdate {
  messageId: string;
  content: Record<string, unknown>;
}

export type StreamEvent = { type: 'message'; data: StreamMessage } | { type: 'update'; data: StreamUpdate; chatId: string };

export interface SandboxGroup {
  chatId: string;
  name: string;
  /** open_ids; null: everyone. */
  members: string[] | null;
}

export const p2pChatOf = (openId: string) => `oc_p2p_${openId}`;

const MAX_LOG = 5_000;

type Entry = { kind: 'bot'; m: FakeMessage } | { kind: 'user'; m: StreamMessage };

export class SandboxHub {
  private readonly log: Entry[] = [];
  private readonly listeners = new Set<(e: StreamEvent) => void>();
  private readonly unsubscribe: () => void;

  constructor(api: LarkOpenApi, readonly groups: SandboxGroup[]) {
    this.unsubscribe = api.subscribe((e) => this.onDelivery(e));
  }

  close(): void {
    this.unsubscribe();
    this.listeners.clear();
  }

  /** A message a person typed (shown to the chat's members before the bot answers). */
  echo(m: Omit<StreamMessage, 'from'>): void {
    const msg: StreamMessage = { ...m, from: 'user' };
    this.push({ kind: 'user', m: msg });
    this.emit({ type: 'message', data: msg });
  }

  /** The chat a bot message belongs to. */
  static chatOf(m: FakeMessage): string {
    return m.receiveId.startsWith('oc_') ? m.receiveId : p2pChatOf(m.receiveId);
  }

  static toStream(m: FakeMessage): StreamMessage {
    return {
      messageId: m.messageId,
      chatId: SandboxHub.chatOf(m),
      receiveId: m.receiveId,
      msgType: m.msgType,
      content: m.updates.at(-1) ?? m.content,
      at: m.at,
      replyTo: m.replyTo,
      from: 'bot',
    };
  }

  /** Whether `openId` sees what is in `chatId`. */
  sees(openId: string, chatId: string): boolean {
    if (chatId.startsWith('oc_p2p_')) return chatId === p2pChatOf(openId);
    const g = this.groups.find((x) => x.chatId === chatId);
    return !g || g.members === null || g.members.includes(openId);
  }

  /** The person's part of the log, oldest first (bot cards as last updated). */
  history(openId: string): StreamMessage[] {
    const out: StreamMessage[] = [];
    for (const e of this.log) {
      const s = e.kind === 'bot' ? SandboxHub.toStream(e.m) : e.m;
      if (this.sees(openId, s.chatId)) out.push(s);
    }
    return out;
  }

  /** Follows the log live for one person; returns the unsubscribe. */
  follow(openId: string, fn: (e: StreamEvent) => void): () => void {
    const l = (e: StreamEvent) => {
      const chatId = e.type === 'message' ? e.data.chatId : e.chatId;
      if (this.sees(openId, chatId)) fn(e);
    };
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private onDelivery(e: DeliveryEvent): void {
    if (e.type === 'message') {
      this.push({ kind: 'bot', m: e.message });
      this.emit({ type: 'message', data: SandboxHub.toStream(e.message) });
    } else {
      this.emit({ type: 'update', data: { messageId: e.message.messageId, content: e.content }, chatId: SandboxHub.chatOf(e.message) });
    }
  }

  private push(e: Entry): void {
    this.log.push(e);
    if (this.log.length > MAX_LOG) this.log.splice(0, this.log.length - MAX_LOG);
  }

  private emit(e: StreamEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch {
        // a closed stream; the others go on
      }
    }
  }
}
