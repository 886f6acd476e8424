import { EventEmitter } from 'node:events';

/** In-process wake-up for the outbox worker when rows were just committed (it also polls). */
const bus = new EventEmitter();
bus.setMaxListeners(100);

export function nudgeOutbox(): void {
  bus.emit('nudge');
}

export function onOutboxNudge(fn: () => void): () => void {
  bus.on('nudge', fn);
  return () => bus.off('nudge', fn);
}
