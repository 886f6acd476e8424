import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { REQUEST_STATUSES, STEP_STATUSES } from './schemas';

export type RequestStatus = (typeof REQUEST_STATUSES)[number];
/** waiting: not reached yet; pending: the approver's turn; skipped: a later step after a rejection. */
export type StepStatus = (typeof STEP_STATUSES)[number];

export interface ApprovalRequestAttrs {
  id: number;
  entity_type: string;
  entity_id: number;
  submitter_id: number;
  status: RequestStatus;
  rules: string[] | null;
  note: string | null;
  reason: string | null;
  decided_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type ApprovalRequestCreation = Optional<ApprovalRequestAttrs, 'id' | 'status' | 'rules' | 'note' | 'reason' | 'decided_at' | 'created_at' | 'updated_at'>;

export interface ApprovalStepAttrs {
  id: number;
  request_id: number;
  seq: number;
  label: string;
  approver_id: number;
  delegated_from_id: number | null;
  status: StepStatus;
  decided_by: number | null;
  decided_at: Date | null;
  channel: string | null;
  comment: string | null;
  created_at: Date;
  updated_at: Date;
}
export type ApprovalStepCreation = Optional<ApprovalStepAttrs, 'id' | 'delegated_from_id' | 'decided_by' | 'decided_at' | 'channel' | 'comment' | 'created_at' | 'updated_at'>;

export function defineApprovalModels(s: Sequelize) {
  const ApprovalRequest = s.define<Entity<ApprovalRequestAttrs, ApprovalRequestCreation>>('ApprovalRequest', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    entity_type: { type: DataTypes.STRING(32), allowNull: false },
    entity_id: { type: DataTypes.INTEGER, allowNull: false },
    submitter_id: { type: DataTypes.INTEGER, allowNull: false },
    status: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'pending' },
    rules: DataTypes.JSON,
    note: DataTypes.STRING(1000),
    reason: DataTypes.STRING(1000),
    decided_at: DataTypes.DATE(3),
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'approval_requests' }) as EntityStatic<ApprovalRequestAttrs, ApprovalRequestCreation>;

  const ApprovalStep = s.define<Entity<ApprovalStepAttrs, ApprovalStepCreation>>('ApprovalStep', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    request_id: { type: DataTypes.INTEGER, allowNull: false },
    seq: { type: DataTypes.INTEGER, allowNull: false },
    label: { type: DataTypes.STRING(64), allowNull: false },
    approver_id: { type: DataTypes.INTEGER, allowNull: false },
    delegated_from_id: DataTypes.INTEGER,
    status: { type: DataTypes.STRING(16), allowNull: false },
    decided_by: DataTypes.INTEGER,
    decided_at: DataTypes.DATE(3),
    channel: DataTypes.STRING(16),
    comment: DataTypes.STRING(1000),
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'approval_steps' }) as EntityStatic<ApprovalStepAttrs, ApprovalStepCreation>;

  return { ApprovalRequest, ApprovalStep };
}
