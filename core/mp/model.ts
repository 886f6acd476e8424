import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

export interface MpSessionAttrs {
  id: number;
  contact_id: number;
  customer_id: number;
  client: 'h5' | 'weapp' | 'lark';
  expires_at: Date;
  revoked_at: Date | null;
  created_at: Date;
}
export type MpSessionCreation = Optional<MpSessionAttrs, 'id' | 'revoked_at'>;

export interface MpInviteAttrs {
  id: number;
  code_hash: string;
  customer_id: number;
  contact_id: number;
  created_by: number | null;
  expires_at: Date;
  redeemed_at: Date | null;
  created_at: Date;
}
export type MpInviteCreation = Optional<MpInviteAttrs, 'id' | 'created_by' | 'redeemed_at'>;

export function defineMpModels(s: Sequelize) {
  const MpSession = s.define<Entity<MpSessionAttrs, MpSessionCreation>>('MpSession', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    contact_id: { type: DataTypes.INTEGER, allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    client: { type: DataTypes.STRING(8), allowNull: false },
    expires_at: { type: DataTypes.DATE(3), allowNull: false },
    revoked_at: DataTypes.DATE(3),
    created_at: DataTypes.DATE(3),
  }, { tableName: 'mp_sessions', timestamps: false }) as EntityStatic<MpSessionAttrs, MpSessionCreation>;
  const MpInvite = s.define<Entity<MpInviteAttrs, MpInviteCreation>>('MpInvite', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    code_hash: { type: DataTypes.STRING(64), allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    contact_id: { type: DataTypes.INTEGER, allowNull: false },
    created_by: DataTypes.INTEGER,
    expires_at: { type: DataTypes.DATE(3), allowNull: false },
    redeemed_at: DataTypes.DATE(3),
    created_at: DataTypes.DATE(3),
  }, { tableName: 'mp_invites', timestamps: false }) as EntityStatic<MpInviteAttrs, MpInviteCreation>;
  return { MpSession, MpInvite };
}
