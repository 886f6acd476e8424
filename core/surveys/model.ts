import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { SurveyKind, SurveyStatus } from './schemas';

export type { SurveyKind, SurveyStatus } from './schemas';

export interface SurveyAttrs {
  id: number;
  kind: SurveyKind;
  customer_id: number;
  contact_id: number | null;
  ticket_id: number | null;
  agent_id: number | null;
  status: SurveyStatus;
  score: number | null;
  comment: string | null;
  expires_at: Date;
  answered_at: Date | null;
  created_at: Date;
  updated_at: Date;
}
export type SurveyCreation = Optional<SurveyAttrs, 'id' | 'contact_id' | 'ticket_id' | 'agent_id' | 'score' | 'comment' | 'answered_at' | 'created_at' | 'updated_at'>;

export function defineSurveyModels(s: Sequelize) {
  const Survey = s.define<Entity<SurveyAttrs, SurveyCreation>>('Survey', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    kind: { type: DataTypes.STRING(8), allowNull: false },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    contact_id: DataTypes.INTEGER,
    ticket_id: DataTypes.INTEGER,
    agent_id: DataTypes.INTEGER,
    status: { type: DataTypes.STRING(12), allowNull: false },
    score: DataTypes.INTEGER,
    comment: DataTypes.STRING(1000),
    expires_at: { type: DataTypes.DATE(3), allowNull: false },
    answered_at: DataTypes.DATE(3),
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'surveys' }) as EntityStatic<SurveyAttrs, SurveyCreation>;
  return { Survey };
}
