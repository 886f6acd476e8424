import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

export interface AuditAttrs {
  id: number;
  actor_type: 'user' | 'system' | 'api' | 'customer';
  actor_id: number | null;
  action: string;
  entity_type: string;
  entity_id: number | null;
  channel: string;
  data: Record<string, unknown> | null;
  created_at: Date;
}
export type AuditCreation = Optional<AuditAttrs, 'id' | 'actor_id' | 'entity_id' | 'data'>;

export function defineAuditModels(s: Sequelize) {
  const AuditEntry = s.define<Entity<AuditAttrs, AuditCreation>>('AuditEntry', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    actor_type: { type: DataTypes.STRING(16), allowNull: false },
    actor_id: DataTypes.INTEGER,
    action: { type: DataTypes.STRING(64), allowNull: false },
    entity_type: { type: DataTypes.STRING(32), allowNull: false },
    entity_id: DataTypes.INTEGER,
    channel: { type: DataTypes.STRING(16), allowNull: false },
    data: DataTypes.JSON,
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  }, { tableName: 'audit_log', timestamps: false }) as EntityStatic<AuditAttrs, AuditCreation>;
  return { AuditEntry };
}
