import { check, type Expect } from './intent-helpers';

const MON = '2026-11-23T10:00:00+08:00'; // a Monday, 10:00 in Shanghai
const YEAR_END = '2026-12-31T18:00:00+08:00'; // a Thursday evening

// "call Acme <X>" → a task due at X.
const WHEN: Array<[string, string, string | null]> = [
  [MON, 'tomorrow', '2026-11-24 09:00'],
  [MON, 'tomorrow 3pm', '2026-11-24 15:00'],
  [MON, 'tmr 4pm', '2026-11-24 16:00'],
  [MON, 'at 4:30 pm tomorrow', '2026-11-24 16:30'],
  [MON, 'tomorrow morning', '2026-11-24 09:00'],
  [MON, 'tomorrow afternoon', '2026-11-24 14:00'],
  [MON, 'the day after tomorrow', '2026-11-25 09:00'],
  [MON, 'tonight', '2026-11-23 19:00'],
  [MON, 'this afternoon', '2026-11-23 14:00'],
  [MON, 'next Wednesday', '2026-12-02 09:00'], // = Wednesday of next week, like 下周三
  [MON, 'next Wednesday at 10am', '2026-12-02 10:00'],
  [MON, 'this Friday', '2026-11-27 09:00'],
  [MON, 'on Friday', '2026-11-27 09:00'],
  [MON, 'on Monday', '2026-11-30 09:00'], // said on a Monday: next week's
  [MON, 'next Monday', '2026-11-30 09:00'],
  [MON, 'in 3 days', '2026-11-26 09:00'],
  [MON, 'in three days', '2026-11-26 09:00'],
  [MON, 'in a week', '2026-11-30 09:00'],
  [MON, 'in 2 weeks', '2026-12-07 09:00'],
  [MON, '2 days from now', '2026-11-25 09:00'],
  [MON, 'in 2 hours', '2026-11-23 12:00'],
  [MON, 'in 30 minutes', '2026-11-23 10:30'],
  [MON, 'in half an hour', '2026-11-23 10:30'],
  [MON, 'end of month', '2026-11-30 09:00'],
  [MON, 'by the end of next month', '2026-12-31 09:00'],
  [MON, 'at the end of the week', '2026-11-27 09:00'],
  [MON, 'this weekend', '2026-11-28 09:00'],
  [MON, 'next week', '2026-11-30 09:00'],
  [MON, 'next month', '2026-12-01 09:00'],
  [MON, 'early next month', '2026-12-01 09:00'],
  [MON, 'on 12/1', '2026-12-01 09:00'],
  [MON, 'on 2026-12-10 at 9am', '2026-12-10 09:00'],
  [MON, 'on Dec 5 at 3:30pm', '2026-12-05 15:30'],
  [MON, 'December 1st', '2026-12-01 09:00'],
  [MON, '1 Dec', '2026-12-01 09:00'],
  [MON, 'Nov 1', '2027-11-01 09:00'], // past this year → next year
  [MON, 'at 3', '2026-11-23 15:00'], // 1–7 without am/pm = afternoon
  [MON, 'at 8', '2026-11-24 08:00'], // passed today → tomorrow
  [MON, 'at noon', '2026-11-23 12:00'],
  [MON, 'at 10:15', '2026-11-23 10:15'],
  [MON, '3pm', '2026-11-23 15:00'],
  [YEAR_END, 'tomorrow', '2027-01-01 09:00'],
  [YEAR_END, 'next Monday', '2027-01-04 09:00'],
  [YEAR_END, 'on Jan 5', '2027-01-05 09:00'],
  [YEAR_END, 'end of month', '2026-12-31 19:00'], // today; 09:00 has passed → next full hour
  [YEAR_END, 'in 3 days', '2027-01-03 09:00'],
  [YEAR_END, 'on 12/1', '2027-12-01 09:00'],
];

describe('parseMessage English: dates', () => {
  it.each(WHEN)('at %s: call Acme %s → %s', (now, when, at) => {
    check(now, `call Acme ${when}`, { intent: 'create_task', customer: 'Acme', channel: 'phone', at });
  });
});

const PHRASES: Array<[string, Expect]> = [
  ['follow up Acme Corp: called, they want a quote, next Wednesday', { intent: 'log_followup', customer: 'Acme Corp', channel: 'phone', at: '2026-12-02 09:00' }],
  ['Called John Smith at Acme Corp about pricing, follow up next Wednesday', {
    intent: 'log_followup', customer: 'Acme Corp', channel: 'phone', at: '2026-12-02 09:00', contact: { name: 'John Smith', phone: null, email: null },
  }],
  ['remind me to email Initech on 12/1 at 10am', { intent: 'create_task', customer: 'Initech', channel: 'email', at: '2026-12-01 10:00' }],
  ['tomorrow 3pm call Acme Corp', { intent: 'create_task', customer: 'Acme Corp', channel: 'phone', at: '2026-11-24 15:00' }],
  ['in 3 days visit Blue Ocean Ltd', { intent: 'create_task', customer: 'Blue Ocean Ltd', channel: 'visit', at: '2026-11-26 09:00' }],
  ['met with Sarah from Globex, she wants a demo in 2 weeks', {
    intent: 'log_followup', customer: 'Globex', channel: 'meeting', at: '2026-12-07 09:00', contact: { name: 'Sarah', phone: null, email: null },
  }],
  ['new lead: Globex Inc, contact Hank Scorpio, hank@globex.com, +1 415 555 0100', {
    intent: 'create_lead', customer: 'Globex Inc', channel: null, contact: { name: 'Hank Scorpio', phone: '+14155550100', email: 'hank@globex.com' },
  }],
  ['lead Initech, phone 138 1234 5678', { intent: 'create_lead', customer: 'Initech', channel: null, contact: { name: null, phone: '13812345678', email: null } }],
  ['help', { intent: 'help' }],
  ['what can you do', { intent: 'help' }],
  ['find Acme', { intent: 'find_customer', customer: 'Acme', channel: null }],
  ['search for Globex', { intent: 'find_customer', customer: 'Globex' }],
  ['lookup Initech', { intent: 'find_customer', customer: 'Initech' }],
  ['claim Acme Corp', { intent: 'claim', customer: 'Acme Corp' }],
  ['log Acme: emailed the proposal, follow up in 3 days', { intent: 'log_followup', customer: 'Acme', channel: 'email', at: '2026-11-26 09:00', summary: 'emailed the proposal, follow up in 3 days' }],
  ['visited Umbrella Corp today, next step end of month', { intent: 'log_followup', customer: 'Umbrella Corp', channel: 'visit', at: '2026-11-30 09:00' }],
  ['had a video call with Stark Industries, follow up on Friday', { intent: 'log_followup', customer: 'Stark Industries', channel: 'meeting', at: '2026-11-27 09:00' }],
  ['schedule a meeting with Wayne Enterprises next Tuesday at 2pm', { intent: 'create_task', customer: 'Wayne Enterprises', channel: 'meeting', at: '2026-12-01 14:00' }],
  ['send Initech the contract by end of month', { intent: 'create_task', customer: 'Initech', at: '2026-11-30 09:00' }],
  ['wechat Acme the day after tomorrow', { intent: 'create_task', customer: 'Acme', channel: 'wechat', at: '2026-11-25 09:00' }],
  ['spoke to Tom at Hooli, call back in 2 hours', { intent: 'log_followup', customer: 'Hooli', channel: 'phone', at: '2026-11-23 12:00' }],
  ['todo: visit Acme Corp on Dec 5 at 3:30pm', { intent: 'create_task', customer: 'Acme Corp', channel: 'visit', at: '2026-12-05 15:30' }],
  ['follow up with Initech in a week', { intent: 'log_followup', customer: 'Initech', at: '2026-11-30 09:00' }],
  ['called him yesterday', { intent: 'log_followup', customer: null, channel: 'phone', at: null }],
  ['hello there', { intent: 'help', customer: null }], // a greeting to the bot (CONVENTIONS.md §9; was unknown)
  ['thanks!', { intent: 'unknown', at: null }],
  ['call Acme yesterday', { intent: 'unknown', customer: 'Acme', at: null }], // a past moment is no task
];

describe('parseMessage English: whole messages', () => {
  it.each(PHRASES)('%s', (text, e) => check(MON, text, e));
});

test('at least 40 English phrases', () => {
  expect(WHEN.length + PHRASES.length).toBeGreaterThanOrEqual(40);
});
