import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { LeadStatus } from './schemas';

export interface LeadAttrs {
  id: number;
  company: string | null;
  name_norm: string | null;
  contact_name: string | null;
  title: string | null;
  phone: string | null;
  phone_norm: string | null;
  email: string | null;
  email_norm: string | null;
  region: string | null;
  industry: string | null;
  skill: string | null;
  company_size: number | null;
  source: string;
  campaign: string | null;
  message: string | null;
  status: LeadStatus;
  score: number;
  score_reasons: unknown;
  interactions: number;
  last_interaction_at: Date | null;
  owner_id: number | null;
  assigned_at: Date | null;
  assign_reason: unknown;
  escalated_at: Date | null;
  customer_id: number | null;
  contact_id: number | null;
  converted_at: Date | null;
  import_id: number | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}
export type LeadCreation = Optional<LeadAttrs, Exclude<keyof LeadAttrs, 'source'>>;

export function defineLeadModels(s: Sequelize) {
  const Lead = s.define<Entity<LeadAttrs, LeadCreation>>('Lead', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    company: DataTypes.STRING(200),
    name_norm: DataTypes.STRING(200),
    contact_name: DataTypes.STRING(100),
    title: DataTypes.STRING(100),
    phone: DataTypes.STRING(32),
    phone_norm: DataTypes.STRING(20),
    email: DataTypes.STRING(190),
    email_norm: DataTypes.STRING(190),
    region: DataTypes.STRING(64),
    industry: DataTypes.STRING(64),
    skill: DataTypes.STRING(64),
    company_size: DataTypes.INTEGER,
    source: { type: DataTypes.STRING(32), allowNull: false },
    campaign: DataTypes.STRING(64),
    message: DataTypes.TEXT,
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'new' },
    score: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    score_reasons: DataTypes.JSON,
    interactions: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    last_interaction_at: DataTypes.DATE(3),
    owner_id: DataTypes.INTEGER,
    assigned_at: DataTypes.DATE(3),
    assign_reason: DataTypes.JSON,
    escalated_at: DataTypes.DATE(3),
    customer_id: DataTypes.INTEGER,
    contact_id: DataTypes.INTEGER,
    converted_at: DataTypes.DATE(3),
    import_id: DataTypes.INTEGER,
    created_by: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'leads' }) as EntityStatic<LeadAttrs, LeadCreation>;
  return { Lead };
}
