import { DataTypes, type Optional, type Sequelize } from 'sequelize';
import type { Entity, EntityStatic } from '../db/types';

export interface KbArticleAttrs {
  id: number;
  title: string;
  body: string;
  category: string | null;
  tags: string[] | null;
  status: 'draft' | 'published';
  helpful_yes: number;
  helpful_no: number;
  created_by: number | null;
  created_at: Date;
  updated_at: Date;
}
export type KbArticleCreation = Optional<KbArticleAttrs, 'id' | 'category' | 'tags' | 'helpful_yes' | 'helpful_no' | 'created_by' | 'created_at' | 'updated_at'>;

export function defineKnowledgeModels(s: Sequelize) {
  const KbArticle = s.define<Entity<KbArticleAttrs, KbArticleCreation>>('KbArticle', {
    id: { type: DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
    title: { type: DataTypes.STRING(200), allowNull: false },
    body: { type: DataTypes.TEXT, allowNull: false },
    category: DataTypes.STRING(64),
    tags: DataTypes.JSON,
    status: { type: DataTypes.STRING(12), allowNull: false },
    helpful_yes: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    helpful_no: { type: DataTypes.INTEGER, allowNull: false, defaultValue: 0 },
    created_by: DataTypes.INTEGER,
    created_at: DataTypes.DATE(3),
    updated_at: DataTypes.DATE(3),
  }, { tableName: 'kb_articles' }) as EntityStatic<KbArticleAttrs, KbArticleCreation>;
  return { KbArticle };
}
