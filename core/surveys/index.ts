import type { CoreRegistry } from '../registry';
import { sendNpsSurveys } from './operations';

/** Surveys: the NPS relationship survey on the first of each quarter, to mini-program contacts asked none in 90 days. */
export function register(r: CoreRegistry): void {
  r.job({ name: 'surveys.nps', cron: '0 10 1 1,4,7,10 *', run: async (ctx) => ({ sent: await sendNpsSurveys(ctx) }) });
}
