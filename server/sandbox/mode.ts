import type { Config } from '../config';

/**
 * What CRM_SANDBOX means (one place; the routes, the composition and the start-up line read it):
 * - `auto` (default): the sandbox is on when no Lark app is configured (no LARK_APP_ID) and the process runs everything
 *   (CRM_ROLE=all: its Open API and streams live in the process, so its outbox worker must too); loopback clients only.
 * - `on`: the sandbox is on even with a Lark app configured, and then the bot talks to the built-in Open API ONLY
 *   (the real app gets nothing: no messages, no org sync); clients from other machines may open /sandbox.
 * - `off`: never; every /sandbox path answers 404.
 * When the sandbox is off, /sandbox answers 404 (never the mini-program's SPA fallback).
 */
export interface SandboxMode {
  enabled: boolean;
  /** Clients that are not on this machine may use it (only with CRM_SANDBOX=on). */
  allowRemote: boolean;
}

export function sandboxMode(config: Pick<Config, 'sandbox' | 'lark'> & { role?: Config['role'] }): SandboxMode {
  if (config.sandbox === 'off') return { enabled: false, allowRemote: false };
  if (config.sandbox === 'on') return { enabled: true, allowRemote: true };
  return { enabled: !config.lark.appId && (config.role ?? 'all') === 'all', allowRemote: false };
}

/** A loopback peer: 127.0.0.0/8, ::1, or IPv4-mapped 127.x. */
export function isLoopback(address: string | undefined | null): boolean {
  if (!address) return false;
  const a = address.replace(/^::ffff:/i, '');
  return a === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(a);
}

/** The URL to print at start-up: the bound address, `localhost` when bound to every interface or to loopback. */
export function sandboxUrl(host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' || isLoopback(host) || host === 'localhost' ? 'localhost' : host.includes(':') ? `[${host}]` : host;
  return `http://${h}:${port}/sandbox`;
}
