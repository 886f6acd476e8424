import path from 'node:path';
import { Umzug, SequelizeStorage } from 'umzug';
import type { QueryInterface, Sequelize } from 'sequelize';
import type { Db, Dialect } from './connection';

export interface MigrationContext {
  queryInterface: QueryInterface;
  sequelize: Sequelize;
  dialect: Dialect;
}

export interface Migration {
  up(ctx: MigrationContext): Promise<void>;
  down(ctx: MigrationContext): Promise<void>;
}

const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

export function migrator(db: Db, log: (msg: string) => void = () => undefined): Umzug<MigrationContext> {
  return new Umzug<MigrationContext>({
    migrations: {
      glob: ['*.ts', { cwd: MIGRATIONS_DIR, ignore: ['*.d.ts'] }],
      resolve: ({ name, path: file, context }) => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const mod = require(file!) as Migration;
        return { name: name.replace(/\.(ts|js)$/, ''), up: () => mod.up(context), down: () => mod.down(context) };
      },
    },
    context: { queryInterface: db.sequelize.getQueryInterface(), sequelize: db.sequelize, dialect: db.dialect },
    storage: new SequelizeStorage({ sequelize: db.sequelize, tableName: 'schema_migrations' }),
    logger: { info: (m) => log(String((m as { event?: string; name?: string }).event ?? '') + ' ' + String((m as { name?: string }).name ?? '')), warn: () => undefined, error: () => undefined, debug: () => undefined },
  });
}

/** Applies every pending migration; returns the names applied. */
export async function migrate(db: Db): Promise<string[]> {
  const done = await migrator(db).up();
  return done.map((m) => m.name);
}
