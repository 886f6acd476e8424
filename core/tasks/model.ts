import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';
import type { TaskPriority, TaskStatus } from './schemas';

export interface TaskAttrs {
  id: number;
  title: string;
  priority: TaskPriority;
  due_at: Date | null;
  remind_at: Date | null;
  reminder_seq: number;
  reminded_at: Date | null;
  customer_id: number | null;
  lead_id: number | null;
  owner_id: number;
  channel: string | null;
  status: TaskStatus;
  done_at: Date | null;
  source: string | null;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}
export type TaskCreation = Optional<TaskAttrs, Exclude<keyof TaskAttrs, 'title' | 'owner_id'>>;

export function defineTaskModels(s: Sequelize) {
  const Task = s.define<Entity<TaskAttrs, TaskCreation>>('Task', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    title: { type: DataTypes.STRING(500), allowNull: false },
    priority: { type: DataTypes.STRING(8), allowNull: false, defaultValue: 'normal' },
    due_at: DataTypes.DATE(3),
    remind_at: DataTypes.DATE(3),
    reminder_seq: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    reminded_at: DataTypes.DATE(3),
    customer_id: DataTypes.INTEGER,
    lead_id: DataTypes.INTEGER,
    owner_id: { type: DataTypes.INTEGER, allowNull: false },
    channel: DataTypes.STRING(16),
    status: { type: DataTypes.STRING(12), allowNull: false, defaultValue: 'open' },
    done_at: DataTypes.DATE(3),
    source: DataTypes.STRING(16),
    created_by: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'tasks' }) as EntityStatic<TaskAttrs, TaskCreation>;
  return { Task };
}
