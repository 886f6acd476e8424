import type { CoreContext } from './context';
import type { Db } from './db/connection';
import { defineModels } from './models';
import { systemClock } from './ports';
import { CoreRegistry } from './registry';
import { register as customers } from './customers/index';
import { register as pool } from './pool/index';
import { register as leads } from './leads/index';
import { register as tasks } from './tasks/index';
import { register as receivables } from './receivables/index';
import { register as contracts } from './contracts/index';
import { register as surveys } from './surveys/index';
import { register as tickets } from './tickets/index';
import { register as opportunities } from './opportunities/index';

/**
 * The core's composition root: every 360° section, approval subject, recycle exclusion and scheduled job the core
 * contains, in one readable list (contexts with nothing to register are not listed). createContext() calls it, so
 * every entry point — server, bot, CLI, tests, bench — holds the same registry, whatever modules it imported.
 * Only entry points import this file; contexts import the shapes in core/context.ts.
 */
export function composeCore(): CoreRegistry {
  const r = new CoreRegistry();
  customers(r); // customers.tiers
  pool(r); // pool.recycle
  leads(r); // leads.sla
  tasks(r); // 360: tasks; tasks.agenda, tasks.reminders (every second)
  receivables(r); // 360: receivables; receivables.digest
  contracts(r); // approval subject 'contract'; 360: contracts; contracts.daily
  surveys(r); // surveys.nps
  tickets(r); // 360: tickets, satisfaction; tickets.sla
  opportunities(r); // 360: opportunities; recycle exclusion 'opportunities.open'; opportunities.stuck
  return r;
}

/** The context every entry point builds once per database: the models, a clock, the business zone and language, the registry. */
export function createContext(db: Db, opts: Partial<Omit<CoreContext, 'db' | 'models'>> = {}): CoreContext {
  return {
    db,
    models: defineModels(db.sequelize),
    clock: opts.clock ?? systemClock,
    timezone: opts.timezone ?? 'Asia/Shanghai',
    locale: opts.locale ?? 'zh-CN',
    registry: opts.registry ?? composeCore(),
  };
}
