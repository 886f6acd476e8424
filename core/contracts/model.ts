import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { ContractStatus } from './schemas';

export interface ContractAttrs {
  id: number;
  number: string;
  customer_id: number;
  owner_id: number;
  team_id: number | null;
  title: string | null;
  currency: string;
  list_cents: number;
  amount_cents: number;
  discount_bp: number;
  sign_date: string | null;
  start_date: string;
  end_date: string;
  status: ContractStatus;
  note: string | null;
  renewal_of_id: number | null;
  terminated_reason: string | null;
  created_by: number | null;
  approved_at: Date | null;
  opportunity_id: number | null;
  quote_id: number | null;
  created_at: Date;
  updated_at: Date;
}
export type ContractCreation = Optional<ContractAttrs, 'id' | 'team_id' | 'title' | 'currency' | 'discount_bp' | 'sign_date' | 'status' | 'note' | 'renewal_of_id' | 'terminated_reason' | 'created_by' | 'approved_at' | 'opportunity_id' | 'quote_id' | 'created_at' | 'updated_at'>;

export interface ContractLineAttrs {
  id: number;
  contract_id: number;
  seq: number;
  name: string;
  quantity: number;
  unit_price_cents: number;
  discount_bp: number;
  amount_cents: number;
}
export type ContractLineCreation = Optional<ContractLineAttrs, 'id'>;

export interface ContractAttachmentAttrs {
  id: number;
  contract_id: number;
  file_name: string;
  file_key: string;
  mime: string | null;
  size_bytes: number | null;
  uploaded_by: number | null;
  created_at: Date;
}
export type ContractAttachmentCreation = Optional<ContractAttachmentAttrs, 'id' | 'mime' | 'size_bytes' | 'uploaded_by'>;

export function defineContractModels(s: Sequelize) {
  const Contract = s.define<Entity<ContractAttrs, ContractCreation>>('Contract', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    number: { type: DataTypes.STRING(40), allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    team_id: DataTypes.INTEGER,
    title: DataTypes.STRING(200),
    currency: { type: DataTypes.STRING(3), allowNull: false, defaultValue: 'CNY' },
    list_cents: { type: DataTypes.BIGINT, allowNull: false },
    amount_cents: { type: DataTypes.BIGINT, allowNull: false },
    discount_bp: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    sign_date: DataTypes.DATEONLY,
    start_date: { type: DataTypes.DATEONLY, allowNull: false },
    end_date: { type: DataTypes.DATEONLY, allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false, defaultValue: 'draft' },
    note: DataTypes.STRING(1000),
    renewal_of_id: DataTypes.INTEGER,
    terminated_reason: DataTypes.STRING(500),
    created_by: DataTypes.INTEGER,
    approved_at: DataTypes.DATE(3),
    opportunity_id: DataTypes.INTEGER,
    quote_id: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'contracts' }) as EntityStatic<ContractAttrs, ContractCreation>;

  const ContractLine = s.define<Entity<ContractLineAttrs, ContractLineCreation>>('ContractLine', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    quantity: { type: DataTypes.INTEGER, allowNull: false },
    unit_price_cents: { type: DataTypes.BIGINT, allowNull: false },
    discount_bp: { type: DataTypes.INTEGER, allowNull: false },
    amount_cents: { type: DataTypes.BIGINT, allowNull: false },
  }, { tableName: 'contract_lines', timestamps: false }) as EntityStatic<ContractLineAttrs, ContractLineCreation>;

  const ContractAttachment = s.define<Entity<ContractAttachmentAttrs, ContractAttachmentCreation>>('ContractAttachment', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    file_name: { type: DataTypes.STRING(255), allowNull: false },
    file_key: { type: DataTypes.STRING(255), allowNull: false },
    mime: DataTypes.STRING(100),
    size_bytes: DataTypes.INTEGER,
    uploaded_by: DataTypes.INTEGER,
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  }, { tableName: 'contract_attachments', timestamps: false }) as EntityStatic<ContractAttachmentAttrs, ContractAttachmentCreation>;

  return { Contract, ContractLine, ContractAttachment };
}
