import type { Transaction } from 'sequelize';
import { QueryTypes } from 'sequelize';
import { z } from 'zod';
import { dbId } from '../shared/fields';
import type { Actor, CoreContext } from '../context';
import { AppError } from '../errors';
import { isUniqueViolation, toDate } from '../db/connection';
import { parseInput } from '../validation';
import { recordAudit } from '../audit/record';
import { articleTerms, queryTerms } from './terms';
import type { KbArticleAttrs } from './model';
import { articleInput, feedbackInput, searchInput, type ArticleDto, type ArticleInput, type FeedbackResult, type SearchHit } from './schemas';

function requireEditor(actor: Actor): void {
  if (actor.kind === 'system') return;
  if (actor.kind !== 'user' || actor.role === 'rep') throw new AppError('FORBIDDEN');
}

const tagsOf = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : typeof v === 'string' ? (JSON.parse(v) as string[]) : []);

/** Rewrites an article's rows in kb_terms (delete + multi-row insert), inside the article's transaction. */
async function reindex(ctx: CoreContext, t: Transaction, a: { id: number; title: string; body: string; category: string | null; tags: string[] }): Promise<void> {
  await ctx.db.sequelize.query('DELETE FROM kb_terms WHERE article_id = :id', { replacements: { id: a.id }, type: QueryTypes.DELETE, transaction: t });
  const rows = [...articleTerms(a)].map(([term, weight]) => ({ term: term.slice(0, 40), article_id: a.id, weight }));
  for (let i = 0; i < rows.length; i += 500) {
    await ctx.db.sequelize.getQueryInterface().bulkInsert('kb_terms', rows.slice(i, i + 500), { transaction: t });
  }
}

export async function createArticle(ctx: CoreContext, actor: Actor, raw: ArticleInput, parent?: Transaction): Promise<ArticleDto> {
  requireEditor(actor);
  const input = parseInput(articleInput, raw);
  return ctx.db.tx(async (t) => {
    const now = ctx.clock.now();
    const row = await ctx.models.KbArticle.create(
      {
        title: input.title,
        body: input.body,
        category: input.category ?? null,
        tags: input.tags ?? [],
        status: input.status ?? 'published',
        created_by: actor.kind === 'user' ? actor.userId : null,
        created_at: now,
        updated_at: now,
      },
      { transaction: t },
    );
    const a = row.get({ plain: true });
    await reindex(ctx, t, { ...a, tags: input.tags ?? [] });
    await recordAudit(ctx, t, { actor, action: 'kb.create', entityType: 'kb_article', entityId: a.id, channel: actor.kind === 'user' ? 'chat' : 'cli' });
    return toDto(a, null, true);
  }, parent);
}

export async function updateArticle(ctx: CoreContext, actor: Actor, raw: { articleId: number } & Partial<ArticleInput>, parent?: Transaction): Promise<ArticleDto> {
  requireEditor(actor);
  const input = parseInput(articleInput.partial().extend({ articleId: dbId }), raw);
  return ctx.db.tx(async (t) => {
    const row = await ctx.models.KbArticle.findByPk(input.articleId, { transaction: t });
    if (!row) throw new AppError('NOT_FOUND', { field: 'articleId' });
    const { articleId, ...patch } = input;
    await row.update({ ...patch, updated_at: ctx.clock.now() }, { transaction: t });
    const a = row.get({ plain: true });
    await reindex(ctx, t, { ...a, tags: tagsOf(a.tags) });
    await recordAudit(ctx, t, { actor, action: 'kb.update', entityType: 'kb_article', entityId: articleId, channel: 'chat' });
    return toDto(a, null, true);
  }, parent);
}

function toDto(a: KbArticleAttrs, my: boolean | null, staff: boolean): ArticleDto {
  return {
    id: a.id,
    title: a.title,
    body: a.body,
    category: a.category,
    tags: tagsOf(a.tags),
    ...(staff ? { status: a.status } : {}),
    updatedAt: toDate(a.updated_at)!.toISOString(),
    helpful: { yes: Number(a.helpful_yes), no: Number(a.helpful_no) },
    myFeedback: my,
  };
}

/** One article; customers see published ones only (drafts are NOT_FOUND). */
export async function getArticle(ctx: CoreContext, actor: Actor, articleId: number): Promise<ArticleDto> {
  const a = await ctx.models.KbArticle.findByPk(articleId, { raw: true });
  const staff = actor.kind === 'user' || actor.kind === 'system';
  if (!a || (!staff && a.status !== 'published')) throw new AppError('NOT_FOUND', { field: 'articleId' });
  let my: boolean | null = null;
  if (actor.kind === 'customer') {
    const [f] = await ctx.db.select<{ helpful: number | boolean }>('SELECT helpful FROM kb_feedback WHERE article_id = :a AND contact_id = :c', { a: articleId, c: actor.contactId });
    my = f ? Boolean(Number(f.helpful)) : null;
  }
  return toDto(a as KbArticleAttrs, my, staff);
}

function snippetOf(body: string, q: string): string {
  const flat = body.replace(/\s+/g, ' ');
  const needles = q.toLowerCase().split(/\s+/).filter(Boolean);
  const lower = flat.toLowerCase();
  let at = -1;
  for (const n of needles) {
    for (let len = Math.min(n.length, 4); len >= 2 && at < 0; len--) at = lower.indexOf(n.slice(0, len));
    if (at >= 0) break;
  }
  const start = Math.max(0, at < 0 ? 0 : at - 20);
  const s = flat.slice(start, start + 80);
  return `${start > 0 ? '…' : ''}${s}${start + 80 < flat.length ? '…' : ''}`;
}

/**
 * Ranked search over published articles (see terms.ts for why a term table). Score: Σ over matched query
 * slots of idf × (1 + ln weight), times the squared share of slots matched, so an article matching every
 * bigram of "打印机卡纸" beats one that mentions "打印" a lot. Scores are relative to the best hit (1.0).
 */
export async function searchArticles(ctx: CoreContext, _actor: Actor, raw: z.input<typeof searchInput>): Promise<{ items: SearchHit[] }> {
  const input = parseInput(searchInput, raw);
  const slots = queryTerms(input.q);
  if (!slots.length) return { items: [] };
  const terms = [...new Set(slots.flat())].map((x) => x.slice(0, 40));
  const rows = await ctx.db.select<{ term: string; article_id: number; weight: number }>(
    `SELECT k.term, k.article_id, k.weight FROM kb_terms k JOIN kb_articles a ON a.id = k.article_id
      WHERE k.term IN (:terms) AND a.status = 'published'`,
    { terms },
  );
  if (!rows.length) return { items: [] };
  const [{ n }] = await ctx.db.select<{ n: number }>("SELECT COUNT(*) AS n FROM kb_articles WHERE status = 'published'");
  const df = new Map<string, number>();
  const byArticle = new Map<number, Map<string, number>>();
  for (const r of rows) {
    df.set(r.term, (df.get(r.term) ?? 0) + 1);
    const m = byArticle.get(Number(r.article_id)) ?? new Map<string, number>();
    m.set(r.term, Number(r.weight));
    byArticle.set(Number(r.article_id), m);
  }
  const total = Math.max(1, Number(n));
  const scored: { id: number; score: number }[] = [];
  for (const [id, m] of byArticle) {
    let score = 0;
    let matched = 0;
    for (const alts of slots) {
      let best = 0;
      for (const term of alts) {
        const w = m.get(term);
        if (!w) continue;
        best = Math.max(best, Math.log(1 + total / (df.get(term) ?? 1)) * (1 + Math.log(w)));
      }
      if (best > 0) {
        matched++;
        score += best;
      }
    }
    const coverage = matched / slots.length;
    // Natural questions carry filler bigrams ("要税", "号吗", "坏了"): keep a hit matching two slots or ~a third.
    if (matched < 2 && coverage < 0.3) continue;
    scored.push({ id, score: score * coverage * coverage });
  }
  scored.sort((a, b) => b.score - a.score || b.id - a.id);
  const top = scored.slice(0, input.limit);
  if (!top.length) return { items: [] };
  const arts = await ctx.db.select<{ id: number; title: string; body: string; category: string | null; tags: unknown }>(
    'SELECT id, title, body, category, tags FROM kb_articles WHERE id IN (:ids)',
    { ids: top.map((x) => x.id) },
  );
  const byId = new Map(arts.map((a) => [Number(a.id), a]));
  const best = top[0].score;
  return {
    items: top.map((x) => {
      const a = byId.get(x.id)!;
      return { id: x.id, title: a.title, snippet: snippetOf(a.body, input.q), category: a.category, tags: tagsOf(a.tags), score: Math.round((x.score / best) * 100) / 100 };
    }),
  };
}

/**
 * "Did this answer your question?" One vote per contact per article; voting again replaces the vote.
 * Counters move by the difference, inside the transaction; a concurrent first vote loses on the unique
 * (article_id, contact_id) index and is retried as a change.
 */
export async function articleFeedback(ctx: CoreContext, actor: Actor, raw: z.input<typeof feedbackInput>, parent?: Transaction): Promise<FeedbackResult> {
  const input = parseInput(feedbackInput, raw);
  await getArticle(ctx, actor, input.articleId);
  const contactId = actor.kind === 'customer' ? actor.contactId : null;
  const userId = actor.kind === 'user' ? actor.userId : null;
  const attempt = () =>
    ctx.db.tx(async (t) => {
      const now = ctx.clock.now();
      const lock = ctx.db.dialect === 'mysql' ? ' FOR UPDATE' : '';
      const [prev] = contactId
        ? await ctx.db.select<{ id: number; helpful: number | boolean }>(`SELECT id, helpful FROM kb_feedback WHERE article_id = :a AND contact_id = :c${lock}`, { a: input.articleId, c: contactId }, t)
        : [];
      const inc = (col: 'helpful_yes' | 'helpful_no', d: number) =>
        ctx.db.sequelize.query(`UPDATE kb_articles SET ${col} = ${col} + (${d}) WHERE id = :id`, { replacements: { id: input.articleId }, type: QueryTypes.UPDATE, transaction: t });
      if (prev) {
        const was = Boolean(Number(prev.helpful));
        if (was !== input.helpful) {
          await ctx.models.KbArticle.sequelize!.query('UPDATE kb_feedback SET helpful = :h, query = :q, updated_at = :now WHERE id = :id', {
            replacements: { h: input.helpful, q: input.query ?? null, now, id: prev.id },
            type: QueryTypes.UPDATE,
            transaction: t,
          });
          await inc(was ? 'helpful_yes' : 'helpful_no', -1);
          await inc(input.helpful ? 'helpful_yes' : 'helpful_no', 1);
        }
      } else {
        await ctx.db.sequelize.query(
          'INSERT INTO kb_feedback (article_id, contact_id, user_id, helpful, query, created_at, updated_at) VALUES (:a, :c, :u, :h, :q, :now, :now)',
          { replacements: { a: input.articleId, c: contactId, u: userId, h: input.helpful, q: input.query ?? null, now }, type: QueryTypes.INSERT, transaction: t },
        );
        await inc(input.helpful ? 'helpful_yes' : 'helpful_no', 1);
      }
      const [a] = await ctx.db.select<{ helpful_yes: number; helpful_no: number }>('SELECT helpful_yes, helpful_no FROM kb_articles WHERE id = :id', { id: input.articleId }, t);
      return { helpful: { yes: Number(a.helpful_yes), no: Number(a.helpful_no) }, myFeedback: input.helpful };
    }, parent);
  try {
    return await attempt();
  } catch (e) {
    if (isUniqueViolation(e) && !parent) return attempt();
    throw e;
  }
}
