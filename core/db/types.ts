import type { Model, ModelStatic } from 'sequelize';

/** The two databases the core runs on. */
export type Dialect = 'mysql' | 'sqlite';

/** A model instance whose attributes are typed properties too (Sequelize's `get(key)` types follow `this`). */
export type Entity<A extends object, C extends object = A> = Model<A, C> & A;
export type EntityStatic<A extends object, C extends object = A> = ModelStatic<Entity<A, C>>;
