import { randomBytes } from 'node:crypto';
import type { CoreContext } from '../../core/context';
import { linkLarkOpenId, listLinkedPeople, unlinkedUsersAt } from '../../core/users/operations';
import type { Config } from '../config';
import type { Logger } from '../logger';
import { LarkOpenApi } from './lark/open-api';
import { SandboxHub, type SandboxGroup } from './hub';
import { sandboxMode, type SandboxMode } from './mode';

export { sandboxMode, sandboxUrl, isLoopback, type SandboxMode } from './mode';

/**
 * The chat sandbox (issue 17): a Lark-compatible Open API inside the process (server/sandbox/lark/, 127.0.0.1 only,
 * nothing leaves the process) that the bot is configured to talk to, and the /sandbox routes (./routes.ts) that play
 * Lark's part: they sign and encrypt events like Lark and POST them to the process's own /lark/events, and stream
 * what the API was sent. Only server/ composition knows it exists: the bot gets an ordinary BotConfig whose app
 * credentials, Encrypt Key, verification token and LARK_DOMAIN happen to point here.
 */
export interface Sandbox {
  mode: SandboxMode;
  api: LarkOpenApi;
  hub: SandboxHub;
  /** The configuration the process runs with: the bot's Lark section replaced by the sandbox's. */
  config: Config;
  /** The Encrypt Key and verification token the sandbox signs its events with (fresh per process). */
  secrets: { encryptKey: string; verificationToken: string };
  appId: string;
  /** Ends the open streams (first thing at shutdown: they would hold the server open); the routes set it. */
  endStreams(): void;
  /** Stops the Open API (after the outbox worker stopped). */
  close(): Promise<void>;
}

/** The demo's people get these open_ids (email local part), so the sandbox can speak as them. */
export const demoOpenId = (email: string) => `ou_demo_${email.split('@')[0].replace(/[^A-Za-z0-9_]/g, '_')}`;

export const SANDBOX_GROUP: SandboxGroup = { chatId: 'oc_sandbox_team', name: '演示群 · Demo group', members: null };

/**
 * Starts the sandbox when CRM_SANDBOX (with the Lark configuration) says so; null otherwise. Links the demo's people
 * (users with an @demo.crm address and no Lark identity yet) to open_ids so they can chat.
 */
export async function startSandbox(config: Config, core: CoreContext, logger: Logger): Promise<Sandbox | null> {
  const mode = sandboxMode(config);
  if (!mode.enabled) return null;
  const appId = 'cli_sandbox';
  const appSecret = randomBytes(16).toString('hex');
  const secrets = { encryptKey: randomBytes(24).toString('base64url'), verificationToken: randomBytes(16).toString('hex') };
  const api = await LarkOpenApi.start({ appId, appSecret, maxMessages: 5_000 });
  const linked = await linkDemoPeople(core);
  if (linked) logger.info({ linked }, 'sandbox: demo people linked to sandbox open_ids');
  if (config.role !== 'all') logger.warn({ role: config.role }, 'CRM_SANDBOX=on with CRM_ROLE≠all: the sandbox shows only the answers this process delivers (run it with CRM_ROLE=all)');
  if (config.lark.appId) logger.warn('CRM_SANDBOX=on: the bot talks to the built-in sandbox Open API only; the configured Lark app gets nothing');
  const hub = new SandboxHub(api, [SANDBOX_GROUP]);
  const sandboxed: Config = {
    ...config,
    lark: { appId, appSecret, encryptKey: secrets.encryptKey, verificationToken: secrets.verificationToken, tenantKey: undefined, domain: api.url, mode: 'webhook' },
  };
  return {
    mode,
    api,
    hub,
    config: sandboxed,
    secrets,
    appId,
    endStreams: () => undefined,
    async close() {
      hub.close();
      await api.close();
    },
  };
}

async function linkDemoPeople(core: CoreContext): Promise<number> {
  let n = 0;
  for (const u of await unlinkedUsersAt(core, 'demo.crm')) {
    try {
      await linkLarkOpenId(core, { kind: 'system' }, 'cli', u.id, demoOpenId(u.email!));
      n++;
    } catch {
      // taken (an earlier link): leave this person out
    }
  }
  return n;
}

/** The demo's people as the page lists them. */
export interface SandboxPerson {
  openId: string;
  userId: number;
  name: string;
  role: string;
  team: string | null;
  locale: string | null;
}

export async function sandboxPeople(core: CoreContext): Promise<SandboxPerson[]> {
  return (await listLinkedPeople(core)).map((p) => ({ openId: p.larkOpenId!, userId: p.id, name: p.name, role: p.role, team: p.teamName, locale: p.locale }));
}
