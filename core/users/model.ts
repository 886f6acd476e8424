import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { Role } from '../context';
import type { UserStatus } from './schemas';

export interface UserAttrs {
  id: number;
  name: string;
  email: string | null;
  phone: string | null;
  role: Role;
  team_id: number | null;
  manager_id: number | null;
  lark_open_id: string | null;
  /** Set by the org sync (core/org): union_id is stable across apps, user_id is the tenant's employee id. */
  lark_union_id: string | null;
  lark_user_id: string | null;
  status: UserStatus;
  skills: string[] | null;
  locale: string | null;
  /** Active customers this user owns; kept by core/customers/held.ts (adjustHeld), repaired by recountHeld. */
  held_count: number;
  claims_day: string | null;
  claims_today: number;
  created_at: Date;
  updated_at: Date;
}
export type UserCreation = Optional<UserAttrs, 'id' | 'email' | 'phone' | 'team_id' | 'manager_id' | 'lark_open_id' | 'lark_union_id' | 'lark_user_id' | 'status' | 'skills' | 'locale' | 'held_count' | 'claims_day' | 'claims_today' | 'created_at' | 'updated_at'>;

export interface TeamAttrs {
  id: number;
  name: string;
  manager_id: number | null;
  /** The Lark department this team mirrors (org sync), its parent team (the tree), the group chat for its digests. */
  lark_department_id: string | null;
  parent_id: number | null;
  digest_chat_id: string | null;
  created_at: Date;
  updated_at: Date;
}
export type TeamCreation = Optional<TeamAttrs, 'id' | 'manager_id' | 'lark_department_id' | 'parent_id' | 'digest_chat_id' | 'created_at' | 'updated_at'>;

export function defineUserModels(s: Sequelize) {
  const User = s.define<Entity<UserAttrs, UserCreation>>('User', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    email: DataTypes.STRING(190),
    phone: DataTypes.STRING(32),
    role: { type: DataTypes.STRING(16), allowNull: false },
    team_id: DataTypes.INTEGER,
    manager_id: DataTypes.INTEGER,
    lark_open_id: DataTypes.STRING(64),
    lark_union_id: DataTypes.STRING(64),
    lark_user_id: DataTypes.STRING(64),
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active' },
    skills: DataTypes.JSON,
    locale: DataTypes.STRING(8),
    held_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    claims_day: { type: DataTypes.STRING(10), allowNull: true },
    claims_today: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'users' }) as EntityStatic<UserAttrs, UserCreation>;

  const Team = s.define<Entity<TeamAttrs, TeamCreation>>('Team', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(100), allowNull: false },
    manager_id: DataTypes.INTEGER,
    lark_department_id: DataTypes.STRING(64),
    parent_id: DataTypes.INTEGER,
    digest_chat_id: DataTypes.STRING(64),
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'teams' }) as EntityStatic<TeamAttrs, TeamCreation>;

  return { User, Team };
}
