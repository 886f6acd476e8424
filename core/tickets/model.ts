import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { Priority, SlaStage, TicketStatus, TicketType } from './rules';

export interface TicketAttrs {
  id: number;
  customer_id: number;
  contact_id: number | null;
  type: TicketType;
  priority: Priority;
  status: TicketStatus;
  title: string;
  description: string;
  assignee_id: number | null;
  tier: string | null;
  source: string;
  created_by_type: 'customer' | 'user' | 'system';
  created_by_id: number | null;
  first_responded_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  reopen_count: number;
  frt_due_at: Date | null;
  frt_warn_at: Date | null;
  frt_stage: SlaStage;
  res_due_at: Date | null;
  res_warn_at: Date | null;
  res_stage: SlaStage;
  sla_paused_at: Date | null;
  sla_next_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type TicketCreation = Optional<TicketAttrs, Exclude<keyof TicketAttrs, 'customer_id' | 'type' | 'priority' | 'status' | 'title' | 'description' | 'source' | 'created_by_type'>>;

export interface TicketEventAttrs {
  id: number;
  ticket_id: number;
  kind: 'comment' | 'status' | 'note' | 'assign';
  author_type: 'customer' | 'user' | 'system';
  author_id: number | null;
  body: string | null;
  from_status: string | null;
  to_status: string | null;
  internal: boolean;
  created_at: Date;
}
export type TicketEventCreation = Optional<TicketEventAttrs, 'id' | 'author_id' | 'body' | 'from_status' | 'to_status' | 'internal'>;

export interface TicketAttachmentAttrs {
  id: number;
  ticket_id: number;
  event_id: number | null;
  storage_key: string;
  name: string;
  mime: string;
  size: number;
  created_at: Date;
}
export type TicketAttachmentCreation = Optional<TicketAttachmentAttrs, 'id' | 'event_id'>;

export function defineTicketModels(s: Sequelize) {
  const date = DataTypes.DATE(3);
  const Ticket = s.define<Entity<TicketAttrs, TicketCreation>>('Ticket', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    contact_id: DataTypes.INTEGER,
    type: { type: DataTypes.STRING(24), allowNull: false },
    priority: { type: DataTypes.STRING(12), allowNull: false },
    status: { type: DataTypes.STRING(20), allowNull: false },
    title: { type: DataTypes.STRING(200), allowNull: false },
    description: { type: DataTypes.TEXT, allowNull: false },
    assignee_id: DataTypes.INTEGER,
    tier: DataTypes.STRING(16),
    source: { type: DataTypes.STRING(12), allowNull: false },
    created_by_type: { type: DataTypes.STRING(12), allowNull: false },
    created_by_id: DataTypes.INTEGER,
    first_responded_at: date,
    resolved_at: date,
    closed_at: date,
    reopen_count: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    frt_due_at: date,
    frt_warn_at: date,
    frt_stage: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'ok' },
    res_due_at: date,
    res_warn_at: date,
    res_stage: { type: DataTypes.STRING(10), allowNull: false, defaultValue: 'ok' },
    sla_paused_at: date,
    sla_next_at: date,
    created_at: date,
    updated_at: date,
  }, { tableName: 'tickets' }) as EntityStatic<TicketAttrs, TicketCreation>;

  const TicketEvent = s.define<Entity<TicketEventAttrs, TicketEventCreation>>('TicketEvent', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    ticket_id: { type: DataTypes.INTEGER, allowNull: false },
    kind: { type: DataTypes.STRING(12), allowNull: false },
    author_type: { type: DataTypes.STRING(12), allowNull: false },
    author_id: DataTypes.INTEGER,
    body: DataTypes.TEXT,
    from_status: DataTypes.STRING(20),
    to_status: DataTypes.STRING(20),
    internal: { type: DataTypes.BOOLEAN, allowNull: false, defaultValue: false },
    created_at: date,
  }, { tableName: 'ticket_events', timestamps: false }) as EntityStatic<TicketEventAttrs, TicketEventCreation>;

  const TicketAttachment = s.define<Entity<TicketAttachmentAttrs, TicketAttachmentCreation>>('TicketAttachment', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    ticket_id: { type: DataTypes.INTEGER, allowNull: false },
    event_id: DataTypes.INTEGER,
    storage_key: { type: DataTypes.STRING(200), allowNull: false },
    name: { type: DataTypes.STRING(200), allowNull: false },
    mime: { type: DataTypes.STRING(64), allowNull: false },
    size: { type: DataTypes.INTEGER, allowNull: false },
    created_at: date,
  }, { tableName: 'ticket_attachments', timestamps: false }) as EntityStatic<TicketAttachmentAttrs, TicketAttachmentCreation>;

  return { Ticket, TicketEvent, TicketAttachment };
}
