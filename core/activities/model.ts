import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

import { ACTIVITY_CHANNELS, type ActivityChannel } from './schemas';

export { ACTIVITY_CHANNELS, type ActivityChannel } from './schemas';

export interface ActivityAttrs {
  id: number;
  customer_id: number;
  contact_id: number | null;
  user_id: number | null;
  channel: ActivityChannel;
  summary: string;
  next_step: string | null;
  next_at: Date | null;
  occurred_at: Date;
  source: string;
  created_at: Date;
  updated_at: Date;
}
export type ActivityCreation = Optional<ActivityAttrs, 'id' | 'contact_id' | 'user_id' | 'next_step' | 'next_at' | 'source' | 'created_at' | 'updated_at'>;

export function defineActivityModels(s: Sequelize) {
  const Activity = s.define<Entity<ActivityAttrs, ActivityCreation>>('Activity', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    customer_id: { type: DataTypes.INTEGER, allowNull: false },
    contact_id: DataTypes.INTEGER,
    user_id: DataTypes.INTEGER,
    channel: { type: DataTypes.STRING(16), allowNull: false },
    summary: { type: DataTypes.TEXT, allowNull: false },
    next_step: DataTypes.STRING(500),
    next_at: DataTypes.DATE(3),
    occurred_at: { type: DataTypes.DATE(3), allowNull: false },
    source: { type: DataTypes.STRING(16), allowNull: false, defaultValue: 'api' },
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'activities' }) as EntityStatic<ActivityAttrs, ActivityCreation>;
  return { Activity };
}
