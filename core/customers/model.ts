import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

export interface CustomerAttrs {
  id: number;
  name: string;
  name_norm: string;
  phone: string | null;
  phone_norm: string | null;
  email: string | null;
  email_norm: string | null;
  owner_id: number | null;
  team_id: number | null;
  pool_id: number | null;
  tier: string | null;
  tier_reason: Record<string, unknown> | null;
  tags: string[] | null;
  source: string | null;
  region: string | null;
  industry: string | null;
  notes: string | null;
  status: 'active' | 'merged' | 'deleted';
  merged_into_id: number | null;
  last_followup_at: Date | null;
  last_won_at: Date | null;
  won_count: number;
  won_total_cents: number;
  claimed_at: Date | null;
  released_at: Date | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}
type CustomerOptional = Exclude<keyof CustomerAttrs, 'name' | 'name_norm'>;
export type CustomerCreation = Optional<CustomerAttrs, CustomerOptional>;

export interface ContactAttrs {
  id: number;
  customer_id: number;
  name: string;
  title: string | null;
  phone: string | null;
  phone_norm: string | null;
  email: string | null;
  email_norm: string | null;
  wechat: string | null;
  is_primary: boolean;
  created_at: Date;
  updated_at: Date;
}
export type ContactCreation = Optional<ContactAttrs, Exclude<keyof ContactAttrs, 'customer_id' | 'name'>>;

export function defineCustomerModels(s: Sequelize) {
  const Customer = s.define<Entity<CustomerAttrs, CustomerCreation>>('Customer', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    name: { type: DataTypes.STRING(200), allowNull: false },
    name_norm: { type: DataTypes.STRING(200), allowNull: false },
    phone: DataTypes.STRING(32),
    phone_norm: DataTypes.STRING(20),
    email: DataTypes.STRING(190),
    email_norm: DataTypes.STRING(190),
    owner_id: DataTypes.INTEGER,
    team_id: DataTypes.INTEGER,
    pool_id: DataTypes.INTEGER,
    tier: DataTypes.STRING(16),
    tier_reason: DataTypes.JSON,
    tags: DataTypes.JSON,
    source: DataTypes.STRING(32),
    region: DataTypes.STRING(64),
    industry: DataTypes.STRING(64),
    notes: DataTypes.TEXT,
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'active' },
    merged_into_id: DataTypes.INTEGER,
    last_followup_at: DataTypes.DATE(3),
    last_won_at: DataTypes.DATE(3),
    won_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    won_total_cents: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    claimed_at: DataTypes.DATE(3),
    released_at: DataTypes.DATE(3),
    created_by: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'customers' }) as EntityStatic<CustomerAttrs, CustomerCreation>;

  const Contact = s.define<Entity<ContactAttrs, ContactCreation>>('Contact', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(100), allowNull: false },
    title: DataTypes.STRING(100),
    phone: DataTypes.STRING(32),
    phone_norm: DataTypes.STRING(20),
    email: DataTypes.STRING(190),
    email_norm: DataTypes.STRING(190),
    wechat: DataTypes.STRING(64),
    is_primary: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'contacts' }) as EntityStatic<ContactAttrs, ContactCreation>;

  return { Customer, Contact };
}
