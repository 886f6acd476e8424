import { z } from 'zod';
import { QueryTypes, type Transaction } from 'sequelize';
import type { Actor, Channel, CoreContext } from '../context';
import { AppError, invalid } from '../errors';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { readSetting, writeSetting } from '../db/settings';
import { bumpCacheVersion, versionedCache } from '../db/cache-versions';
import { dbId } from '../shared/fields';
import { MAX_CENTS } from '../shared/money';
import { findStage, isOpenStage, validateStages } from './rules';
import { PipelineSettingsSchema, type PipelineDto, type PipelineKind, type PipelineSettings, type Stage } from './schemas';

/**
 * Pipelines and their stages are data (table `pipelines`, stages as JSON), edited by admins. Read on every pipeline
 * operation, so each process keeps them under the `pipelines` cache version (core/db/cache-versions.ts): another
 * process sees an edit within a second, the editing process at once.
 */
const cache = versionedCache<PipelineDto[]>('pipelines');

interface PipelineRow {
  id: number;
  pkey: string;
  name: string;
  kind: PipelineKind;
  is_default: number | boolean;
  stages: string;
}

export async function listPipelines(ctx: CoreContext, t?: Transaction | null): Promise<PipelineDto[]> {
  const load = async () => {
    const rows = await ctx.db.select<PipelineRow>('SELECT id, pkey, name, kind, is_default, stages FROM pipelines ORDER BY id', {}, t);
    return rows.map((r) => ({ id: Number(r.id), key: r.pkey, name: r.name, kind: r.kind, isDefault: Boolean(Number(r.is_default)), stages: JSON.parse(r.stages) as Stage[] }));
  };
  // Inside a transaction: what the transaction sees (it may be the one editing them).
  return t ? load() : cache.get(ctx.db, '', load);
}

/** A pipeline by id or key; omitted → the default one. NOT_FOUND names `field`. */
export async function getPipeline(ctx: CoreContext, ref?: number | string | null, t?: Transaction | null, field = 'pipelineId'): Promise<PipelineDto> {
  const all = await listPipelines(ctx, t);
  const p = ref === undefined || ref === null || ref === '' ? all.find((x) => x.isDefault) ?? all[0] : all.find((x) => x.id === Number(ref) || x.key === ref);
  if (!p) throw new AppError('NOT_FOUND', { field, detail: { 'zh-CN': '销售流程不存在', en: 'No such pipeline' } });
  return p;
}

/** The pipeline of a kind ('renewal' for renewals), else the default. */
export async function pipelineOfKind(ctx: CoreContext, kind: PipelineKind, t?: Transaction | null): Promise<PipelineDto> {
  const all = await listPipelines(ctx, t);
  return all.find((p) => p.kind === kind && p.isDefault) ?? all.find((p) => p.kind === kind) ?? getPipeline(ctx, null, t);
}

/** A stage of the pipeline by key, zh-CN or English name (chat says 谈判, the API says negotiation). */
export function stageByText(pipeline: PipelineDto, text: string): Stage | null {
  return findStage(pipeline.stages, text);
}

function assertAdmin(actor: Actor): void {
  if (actor.kind === 'system' || (actor.kind === 'user' && actor.role === 'admin')) return;
  throw new AppError('FORBIDDEN', { detail: { 'zh-CN': '只有管理员可以修改销售流程', en: 'Only an admin can change pipelines' } });
}

export const updatePipelineInput = z.object({
  pipelineId: dbId,
  name: z.string().trim().min(1).max(100).optional(),
  stages: z.array(z.unknown()).optional(),
}).strict();

/**
 * Renames a pipeline or replaces its stages. A stage that open opportunities stand in cannot be removed (move them
 * first); keys are stable, so history keeps meaning what it meant.
 */
export async function updatePipeline(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof updatePipelineInput>): Promise<PipelineDto> {
  const input = parseInput(updatePipelineInput, raw);
  assertAdmin(actor);
  const stages = input.stages ? validateStages(input.stages) : undefined;
  await ctx.db.tx(async (t) => {
    const p = await getPipeline(ctx, input.pipelineId, t);
    if (stages) {
      const keep = new Set(stages.map((s) => s.key));
      const removed = p.stages.filter((s) => !keep.has(s.key)).map((s) => s.key);
      if (removed.length) {
        const used = await ctx.db.select<{ stage: string }>('SELECT DISTINCT stage FROM opportunities WHERE pipeline_id = :p AND stage IN (:removed)', { p: p.id, removed }, t);
        if (used.length) throw new AppError('CONFLICT', { field: 'stages', detail: { 'zh-CN': `仍有商机处于阶段：${used.map((u) => u.stage).join('、')}`, en: `Opportunities still stand in: ${used.map((u) => u.stage).join(', ')}` } });
      }
      const oldWon = p.stages.find((s) => s.category === 'won')!.key;
      const oldLost = p.stages.find((s) => s.category === 'lost')!.key;
      if (stages.find((s) => s.category === 'won')!.key !== oldWon || stages.find((s) => s.category === 'lost')!.key !== oldLost) {
        throw invalid('stages', '赢单和输单阶段的键不能更改', 'The keys of the won and lost stages cannot change');
      }
      // Open deals that follow their stage's default probability follow the new default.
      for (const s of stages.filter(isOpenStage)) {
        await ctx.db.sequelize.query('UPDATE opportunities SET probability = :pr WHERE pipeline_id = :p AND stage = :k AND status = :open AND probability_override = :no AND probability <> :pr', {
          replacements: { pr: s.probability, p: p.id, k: s.key, open: 'open', no: false }, transaction: t, type: QueryTypes.UPDATE,
        });
      }
    }
    await ctx.db.sequelize.query(`UPDATE pipelines SET name = :name, stages = :stages, updated_at = :now WHERE id = :id`, {
      replacements: { id: p.id, name: input.name ?? p.name, stages: JSON.stringify(stages ?? p.stages), now: ctx.clock.now() }, transaction: t, type: QueryTypes.UPDATE,
    });
    await bumpCacheVersion(ctx.db, t, 'pipelines');
    await recordAudit(ctx, t, { actor, action: 'pipeline.update', entityType: 'pipeline', entityId: p.id, channel, data: { name: input.name ?? null, stages: stages?.map((s) => s.key) ?? null } });
  });
  cache.forget(ctx.db);
  return getPipeline(ctx, input.pipelineId);
}

// ---------------------------------------------------------------------------------------------
// Pipeline-wide settings (settings key 'pipeline.settings').

const SETTINGS_KEY = 'pipeline.settings';
export const DEFAULT_PIPELINE_SETTINGS: PipelineSettings = { largeDealCents: 50_000_000, stuckDays: 14 };
export async function getPipelineSettings(ctx: CoreContext, t?: Transaction | null): Promise<PipelineSettings> {
  const value = await readSetting(ctx.db, SETTINGS_KEY, t);
  if (value === null) return DEFAULT_PIPELINE_SETTINGS;
  return { ...DEFAULT_PIPELINE_SETTINGS, ...PipelineSettingsSchema.partial().parse(JSON.parse(value)) };
}

export const updatePipelineSettingsInput = z.object({
  largeDealCents: z.number().int().min(0).max(MAX_CENTS).optional(),
  stuckDays: z.number().int().min(1).max(365).optional(),
}).strict();

export async function updatePipelineSettings(ctx: CoreContext, actor: Actor, channel: Channel, raw: z.input<typeof updatePipelineSettingsInput>): Promise<PipelineSettings> {
  const input = parseInput(updatePipelineSettingsInput, raw);
  assertAdmin(actor);
  return ctx.db.tx(async (t) => {
    const next = { ...(await getPipelineSettings(ctx, t)), ...input };
    await writeSetting(ctx.db, t, SETTINGS_KEY, next, ctx.clock.now());
    await recordAudit(ctx, t, { actor, action: 'pipeline.settings', entityType: 'setting', entityId: null, channel, data: input });
    return next;
  });
}
