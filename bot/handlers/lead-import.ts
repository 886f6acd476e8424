import type { BotRegistry } from '../registry';
import type { CardActionHandler, ChatHandler } from '../types';
import { t, type Locale } from '../i18n';
import { errorText } from '../errors';
import { isAppError } from '../../core/errors';
import { actorOf } from '../../core/users/operations';
import { enqueueMessages } from '../../core/notifications/outbox';
import { importLeads, type ImportReport } from '../../core/leads/import';
import type { CoreContext } from '../../core/context';
import { button, card, markdown, md, note, type Card } from '../cards/kit';
import { createLarkClient } from '../client';
import type { BotConfig } from '../config';
import { budgetOf, chargeDedup, dedupBlocked } from '../read-budget';
import { spendReadBudget } from '../../core/audit/read-budget';

/**
 * Lead import through chat: a CSV/XLSX file message gets a dry-run report card with "确认导入"; the click answers at
 * once with a progress card and commits in the background (1,000-row transactions), patching the same card through
 * the outbox (update_of) as batches land, then with the final report. The file is fetched again on confirm, so any
 * process can take the click. If the process dies mid-way, committed batches stay and re-sending the file skips them
 * as duplicates.
 */

/** Downloads a message's file; replaceable (tests, other transports). */
export type FileFetcher = (messageId: string, fileKey: string) => Promise<Buffer>;

let fetcher: FileFetcher | null = null;
export function setFileFetcher(f: FileFetcher | null): void {
  fetcher = f;
}

async function fetchFile(app: BotConfig['lark'], messageId: string, fileKey: string): Promise<Buffer> {
  if (fetcher) return fetcher(messageId, fileKey);
  const client = createLarkClient(app);
  if (!client) throw new Error('no Lark app credentials to download the file');
  const res = await client.im.messageResource.get({ path: { message_id: messageId, file_key: fileKey }, params: { type: 'file' } });
  const chunks: Buffer[] = [];
  for await (const c of res.getReadableStream()) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

const cardKey = (messageId: string) => `lead-import:${messageId}`;

export function importReportCard(r: ImportReport, fileName: string, locale: Locale, confirm: Record<string, unknown> | null): Card {
  const L = (zh: string, en: string) => t(locale, { 'zh-CN': zh, en });
  const problems = r.rows.slice(0, 10).map((x) => `- ${L(`第 ${x.line} 行`, `line ${x.line}`)}：${x.status === 'invalid' ? L('无效', 'invalid') : L('重复', 'duplicate')} — ${md(t(locale, { 'zh-CN': x.reason?.zh ?? '', en: x.reason?.en ?? '' }))}`);
  const done = !r.dryRun;
  return card({
    title: done ? (r.failed ? L(`导入中断：${fileName}`, `Import stopped: ${fileName}`) : L(`✓ 导入完成：${fileName}`, `✓ Imported: ${fileName}`)) : L(`导入预检：${fileName}`, `Import check: ${fileName}`),
    template: done ? (r.failed ? 'red' : 'green') : 'blue',
    elements: [
      markdown(`${L('共', 'Total')} **${r.total}** · ${L('有效', 'valid')} **${r.valid}** · ${L('重复', 'duplicate')} **${r.duplicate}** · ${L('无效', 'invalid')} **${r.invalid}**${done ? ` · ${L('已写入', 'committed')} **${r.committed}**` : ''}`),
      note(`${L('列映射', 'Columns')}：${Object.entries(r.mapping).map(([f, h]) => `${f}←${md(h)}`).join('，')}`),
      problems.length ? markdown(problems.join('\n')) : null,
      r.failed ? markdown(L(`第 ${r.failed.batch} 批（从第 ${r.failed.firstLine} 行起）失败，该批未写入；之前的批次已保存。重新发送文件可继续（已导入的会被识别为重复）。`,
        `Batch ${r.failed.batch} (from line ${r.failed.firstLine}) failed and wrote nothing; earlier batches are saved. Send the file again to continue (imported rows count as duplicates).`)) : null,
      confirm && r.valid > 0 ? button({ text: L(`确认导入 ${r.valid} 条`, `Import ${r.valid} rows`), type: 'primary', value: confirm as never }) : null,
    ],
  });
}

function progressCard(fileName: string, done: number, total: number, locale: Locale): Card {
  const pct = total ? Math.floor((done / total) * 100) : 100;
  const bar = '█'.repeat(Math.floor(pct / 10)) + '░'.repeat(10 - Math.floor(pct / 10));
  return card({
    title: t(locale, { 'zh-CN': `导入中：${fileName}`, en: `Importing: ${fileName}` }),
    template: 'wathet',
    elements: [markdown(`${bar} ${pct}%  (${done}/${total})`)],
  });
}

const messageFileIntent: ChatHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const file = cmd.file;
  if (!file || !/\.(csv|xlsx)$/i.test(file.fileName)) {
    await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': '发送 CSV 或 XLSX 文件可以批量导入线索。', en: 'Send a CSV or XLSX file to import leads.' }) } });
    return;
  }
  try {
    const actor = actorOf(cmd.user);
    const blocked = await dedupBlocked(kit, actor);
    if (blocked) {
      await kit.reply({ kind: 'text', payload: { text: blocked } });
      return;
    }
    const data = await fetchFile(kit.deps.config.lark, cmd.messageId, file.fileKey);
    const report = await importLeads(kit.deps.core, actor, data, { fileName: file.fileName, dryRun: true, source: 'import' });
    // Rows that collide with records this person may not see cost a search each (撞单 is no bulk oracle).
    if (!(await chargeDedup(kit, actor, report.undisclosed ?? 0))) {
      await kit.reply({ kind: 'text', payload: { text: t(locale, { 'zh-CN': '该文件中与他人客户重复的行过多，已超出查询额度，请稍后再试或请主管导入。', en: 'Too many rows of this file duplicate colleagues\' customers: over your search budget. Try later or ask a manager to import it.' }) } });
      return;
    }
    const confirm = { action: 'leads.import_commit', messageId: cmd.messageId, fileKey: file.fileKey, fileName: file.fileName, key: cardKey(cmd.messageId) };
    await kit.reply({ kind: 'leads.card', payload: { card: importReportCard(report, file.fileName, locale, confirm) }, dedupeKey: cardKey(cmd.messageId) });
  } catch (e) {
    await kit.reply({ kind: 'text', payload: { text: isAppError(e) ? errorText(e, locale) : t(locale, { 'zh-CN': '无法读取该文件', en: 'Could not read that file' }) } });
  }
};

/** Patches the import card (outbox update_of), each step once (its own dedupe key). */
async function patch(core: CoreContext, userId: number, messageId: string, step: string, c: Card): Promise<void> {
  await core.db.tx((tx) => enqueueMessages(core, tx, [{ to: { userId }, kind: 'leads.card', payload: { card: c }, updateOf: cardKey(messageId), dedupeKey: `${cardKey(messageId)}:${step}` }]));
}

/** The background commit started by the confirm click; resolves when done (tests await it). */
export let lastImport: Promise<void> = Promise.resolve();

const leadsImportCommitAction: CardActionHandler = async (cmd, kit) => {
  const locale = kit.deps.locale;
  const messageId = String(cmd.value.messageId ?? '');
  const fileKey = String(cmd.value.fileKey ?? '');
  const fileName = String(cmd.value.fileName ?? 'leads.csv');
  if (!messageId || !fileKey) return { toast: { type: 'error', content: t(locale, { 'zh-CN': '卡片已失效', en: 'This card is no longer valid' }) } };
  const core = kit.deps.core;
  const user = cmd.user;
  lastImport = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
    let lastPct = -1;
    const pending: Promise<void>[] = [];
    try {
      const data = await fetchFile(kit.deps.config.lark, messageId, fileKey);
      const report = await importLeads(core, actorOf(user), data, {
        fileName, dryRun: false, source: 'import',
        onProgress: (done, total) => {
          const pct = total ? Math.floor((done / total) * 10) * 10 : 100;
          if (pct > lastPct && pct < 100) {
            lastPct = pct;
            pending.push(patch(core, user.id, messageId, `p${pct}`, progressCard(fileName, done, total, locale)));
          }
        },
      });
      if (report.undisclosed) {
        // Charged again (the file may differ from its dry run); the import has run, so nothing is refused here.
        await spendReadBudget(core, actorOf(user), 'dedup.refused', budgetOf(kit), { channel: 'chat', points: report.undisclosed }).catch(() => undefined);
      }
      await Promise.all(pending); // progress patches land before the final one
      await patch(core, user.id, messageId, 'final', importReportCard(report, fileName, locale, null));
    } catch (e) {
      await Promise.allSettled(pending);
      await patch(core, user.id, messageId, 'final', card({ title: t(locale, { 'zh-CN': '导入失败', en: 'Import failed' }), template: 'red', elements: [markdown(isAppError(e) ? errorText(e, locale) : String((e as Error).message))] }));
    }
  });
  return { toast: { type: 'info', content: t(locale, { 'zh-CN': '开始导入', en: 'Import started' }) }, card: progressCard(fileName, 0, 1, locale) };
};

/** Lead import from a CSV/Excel file sent in chat. Called by composeBot() (bot/compose.ts). */
export function register(r: BotRegistry): void {
  r.intent('message.file', messageFileIntent);
  r.action('leads.import_commit', leadsImportCommitAction);
}
