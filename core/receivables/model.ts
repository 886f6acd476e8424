import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

export const INSTALMENT_STATUSES = ['pending', 'partially_paid', 'paid', 'overdue'] as const;
export type InstalmentStatus = (typeof INSTALMENT_STATUSES)[number];

export interface InstalmentAttrs {
  id: number;
  contract_id: number;
  customer_id: number;
  owner_id: number;
  seq: number;
  due_date: string;
  amount_cents: number;
  paid_cents: number;
  status: InstalmentStatus;
  live: boolean;
  paid_on: string | null;
  created_at: Date;
  updated_at: Date;
}
export type InstalmentCreation = Optional<InstalmentAttrs, 'id' | 'paid_cents' | 'status' | 'live' | 'paid_on' | 'created_at' | 'updated_at'>;

export interface PaymentAttrs {
  id: number;
  instalment_id: number;
  contract_id: number;
  customer_id: number;
  amount_cents: number;
  paid_on: string;
  recorded_by: number | null;
  channel: string;
  note: string | null;
  created_at: Date;
}
export type PaymentCreation = Optional<PaymentAttrs, 'id' | 'recorded_by' | 'note'>;

export function defineReceivableModels(s: Sequelize) {
  const Instalment = s.define<Entity<InstalmentAttrs, InstalmentCreation>>('Instalment', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    due_date: { type: DataTypes.DATEONLY, allowNull: false },
    amount_cents: { type: DataTypes.BIGINT, allowNull: false },
    paid_cents: { type: DataTypes.BIGINT, allowNull: false, defaultValue: 0 },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
    live: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    paid_on: DataTypes.DATEONLY,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'receivable_instalments' }) as EntityStatic<InstalmentAttrs, InstalmentCreation>;

  const Payment = s.define<Entity<PaymentAttrs, PaymentCreation>>('Payment', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    instalment_id: { type: DataTypes.INTEGER, allowNull: false },
    contract_id: { type: DataTypes.INTEGER, allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    amount_cents: { type: DataTypes.BIGINT, allowNull: false },
    paid_on: { type: DataTypes.DATEONLY, allowNull: false },
    recorded_by: DataTypes.INTEGER,
    channel: { type: DataTypes.STRING(16), allowNull: false },
    note: DataTypes.STRING(500),
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  }, { tableName: 'receivable_payments', timestamps: false }) as EntityStatic<PaymentAttrs, PaymentCreation>;

  return { Instalment, Payment };
}
