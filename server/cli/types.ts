import type { CoreContext } from '../../core/context';
import type { Config } from '../config';

export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliCommand {
  /** e.g. "users add"; the longest matching name wins. */
  name: string;
  usage: string;
  /** Whether the command needs a migrated database (most do; `parse` does not). */
  needsDb: boolean;
  run(args: string[], env: { core: CoreContext | null; config: Config; io: CliIo }): Promise<number>;
}
