import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { Reading } from './score';

/** A rep's correction of the understood card (core/intent/corrections.ts). */
export interface IntentCorrectionAttrs {
  id: number;
  user_id: number | null;
  message_text: string;
  sent_at: Date;
  timezone: string;
  read_json: Reading;
  chosen_json: Reading;
  /** The corrected fields, comma-separated (intent,customer,next_at…). */
  fields: string;
  created_at: Date;
}
export type IntentCorrectionCreation = Optional<IntentCorrectionAttrs, 'id' | 'user_id'>;

export function defineIntentModels(s: Sequelize) {
  const IntentCorrection = s.define<Entity<IntentCorrectionAttrs, IntentCorrectionCreation>>('IntentCorrection', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    user_id: DataTypes.INTEGER,
    message_text: { type: DataTypes.TEXT, allowNull: false },
    sent_at: { type: DataTypes.DATE(3), allowNull: false },
    timezone: { type: DataTypes.STRING(64), allowNull: false },
    read_json: { type: DataTypes.JSON, allowNull: false },
    chosen_json: { type: DataTypes.JSON, allowNull: false },
    fields: { type: DataTypes.STRING(200), allowNull: false },
    created_at: { type: DataTypes.DATE(3), allowNull: false },
  }, { tableName: 'intent_corrections', timestamps: false }) as EntityStatic<IntentCorrectionAttrs, IntentCorrectionCreation>;
  return { IntentCorrection };
}
