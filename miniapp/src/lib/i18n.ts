import Taro from '@tarojs/taro';

/** zh-CN by default; English when the customer switches it on the profile page (kept in storage). */
export type Locale = 'zh-CN' | 'en';
const KEY = 'crm.locale';

const zh = {
  appTitle: '客户服务',
  loading: '加载中…',
  retry: '重试',
  loadFailed: '加载失败',
  networkError: '网络异常，请稍后重试',
  rateLimited: '操作过于频繁，请稍后再试',
  sessionExpired: '登录已过期，请重新登录',
  // sign-in
  signInTitle: '登录客户服务',
  signInHint: '请输入客户经理发给您的邀请码',
  inviteCode: '邀请码',
  inviteCodePlaceholder: '例如 K7P4-M2QX',
  signIn: '登录',
  signingIn: '登录中…',
  silentSigningIn: '正在自动登录…',
  inviteRequired: '请输入邀请码',
  inviteInvalid: '邀请码无效，请核对后重试',
  inviteExpired: '邀请码已过期，请联系客户经理重新邀请',
  inviteUsed: '邀请码已被使用',
  // home
  hello: '您好，{name}',
  yourRep: '专属客户经理',
  noRep: '暂未分配客户经理',
  tier: '客户等级 {tier}',
  openTickets: '处理中工单',
  waitingTickets: '待您回复',
  pendingSurveys: '待评价',
  contracts: '合同',
  contractsActive: '{n} 份生效中，合计 {amount}',
  receivables: '应收款',
  receivablesStatus: '待收 {outstanding}，逾期 {overdue}',
  newTicket: '提交工单',
  myTickets: '我的工单',
  knowledge: '知识库',
  profile: '我的',
  surveyInvite: '请评价工单 {no} 的服务',
  npsInvite: '您愿意向朋友推荐我们吗？',
  // tickets
  all: '全部',
  open: '处理中',
  closed: '已完成',
  noTickets: '暂无工单',
  loadMore: '加载更多',
  ticketType: '工单类型',
  priority: '紧急程度',
  description: '问题描述',
  descriptionPlaceholder: '请详细描述您遇到的问题',
  photos: '图片',
  addPhoto: '添加图片',
  remove: '删除',
  submit: '提交',
  submitting: '提交中…',
  typeRequired: '请选择工单类型',
  descriptionRequired: '请描述您的问题',
  descriptionTooLong: '问题描述不能超过 5000 字',
  suggestions: '这些文章也许能解决您的问题',
  submitted: '工单已提交',
  photosMissing: '工单已提交，{n} 张图片未能上传',
  agent: '处理人',
  unassigned: '待分配',
  timeline: '处理记录',
  statusChange: '状态变更为「{to}」',
  addComment: '补充说明',
  commentPlaceholder: '补充信息或回复客服',
  send: '发送',
  commentRequired: '请输入内容',
  reopen: '重新打开',
  reopenReason: '重新打开的原因',
  reopenReasonRequired: '请说明重新打开的原因',
  reopenExpired: '已超过 7 天，无法重新打开，请提交新工单',
  confirm: '确定',
  cancel: '取消',
  rateService: '评价本次服务',
  ticketClosed: '工单已关闭',
  createdAt: '提交时间',
  // survey
  surveyTitle: '服务评价',
  npsQuestion: '您有多大可能向朋友或同事推荐我们？',
  npsLow: '不可能',
  npsHigh: '极有可能',
  comment: '意见或建议（选填）',
  scoreRequired: '请选择评分',
  thanks: '感谢您的评价！',
  yourScore: '您的评分：{score}',
  surveyExpired: '该评价已过期',
  // knowledge
  searchPlaceholder: '搜索问题，如“打印机无法连接”',
  search: '搜索',
  noResults: '没有找到相关文章',
  searchRequired: '请输入搜索内容',
  helpfulQuestion: '这篇文章解决了您的问题吗？',
  yes: '是',
  no: '否',
  feedbackThanks: '感谢反馈',
  stillNeedHelp: '仍需帮助？提交工单',
  // profile
  name: '姓名',
  jobTitle: '职位',
  phone: '手机',
  email: '邮箱',
  company: '公司',
  wechatBound: '微信已绑定',
  larkBound: '飞书已绑定',
  wechatNotBound: '微信未绑定',
  larkNotBound: '飞书未绑定',
  sessionUntil: '登录有效期至 {date}',
  edit: '编辑',
  save: '保存',
  saved: '已保存',
  emailInvalid: '邮箱格式不正确',
  nameRequired: '请输入姓名',
  language: '语言',
  logout: '退出登录',
};

export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  appTitle: 'Customer service',
  loading: 'Loading…',
  retry: 'Retry',
  loadFailed: 'Could not load',
  networkError: 'Network error, please try again later',
  rateLimited: 'Too many attempts, please try again later',
  sessionExpired: 'Your session has expired, please sign in again',
  signInTitle: 'Sign in to customer service',
  signInHint: 'Enter the invite code your account manager sent you',
  inviteCode: 'Invite code',
  inviteCodePlaceholder: 'e.g. K7P4-M2QX',
  signIn: 'Sign in',
  signingIn: 'Signing in…',
  silentSigningIn: 'Signing you in…',
  inviteRequired: 'Please enter the invite code',
  inviteInvalid: 'This invite code is not valid',
  inviteExpired: 'This invite code has expired; ask your account manager for a new one',
  inviteUsed: 'This invite code has already been used',
  hello: 'Hello, {name}',
  yourRep: 'Your account manager',
  noRep: 'No account manager assigned yet',
  tier: 'Tier {tier}',
  openTickets: 'Open tickets',
  waitingTickets: 'Awaiting your reply',
  pendingSurveys: 'Surveys to answer',
  contracts: 'Contracts',
  contractsActive: '{n} active, {amount} in total',
  receivables: 'Receivables',
  receivablesStatus: '{outstanding} outstanding, {overdue} overdue',
  newTicket: 'New ticket',
  myTickets: 'My tickets',
  knowledge: 'Help center',
  profile: 'Me',
  surveyInvite: 'Rate the service on ticket {no}',
  npsInvite: 'Would you recommend us to a friend?',
  all: 'All',
  open: 'Open',
  closed: 'Done',
  noTickets: 'No tickets yet',
  loadMore: 'Load more',
  ticketType: 'Type',
  priority: 'Priority',
  description: 'Description',
  descriptionPlaceholder: 'Describe the problem in detail',
  photos: 'Photos',
  addPhoto: 'Add photo',
  remove: 'Remove',
  submit: 'Submit',
  submitting: 'Submitting…',
  typeRequired: 'Please choose a ticket type',
  descriptionRequired: 'Please describe the problem',
  descriptionTooLong: 'The description cannot exceed 5000 characters',
  suggestions: 'These articles may answer your question',
  submitted: 'Ticket submitted',
  photosMissing: 'Ticket submitted; {n} photo(s) could not be uploaded',
  agent: 'Agent',
  unassigned: 'Not assigned yet',
  timeline: 'Timeline',
  statusChange: 'Status changed to "{to}"',
  addComment: 'Add a comment',
  commentPlaceholder: 'More details or a reply to the agent',
  send: 'Send',
  commentRequired: 'Please enter a comment',
  reopen: 'Reopen',
  reopenReason: 'Why reopen?',
  reopenReasonRequired: 'Please say why you reopen the ticket',
  reopenExpired: 'More than 7 days have passed; please file a new ticket',
  confirm: 'OK',
  cancel: 'Cancel',
  rateService: 'Rate this service',
  ticketClosed: 'This ticket is closed',
  createdAt: 'Submitted',
  surveyTitle: 'Survey',
  npsQuestion: 'How likely are you to recommend us to a friend or colleague?',
  npsLow: 'Not at all likely',
  npsHigh: 'Extremely likely',
  comment: 'Comments (optional)',
  scoreRequired: 'Please choose a score',
  thanks: 'Thank you for your feedback!',
  yourScore: 'Your score: {score}',
  surveyExpired: 'This survey has expired',
  searchPlaceholder: 'Search, e.g. "printer cannot connect"',
  search: 'Search',
  noResults: 'No matching articles',
  searchRequired: 'Please enter a search term',
  helpfulQuestion: 'Did this answer your question?',
  yes: 'Yes',
  no: 'No',
  feedbackThanks: 'Thanks for the feedback',
  stillNeedHelp: 'Still need help? File a ticket',
  name: 'Name',
  jobTitle: 'Title',
  phone: 'Phone',
  email: 'Email',
  company: 'Company',
  wechatBound: 'WeChat linked',
  larkBound: 'Lark linked',
  wechatNotBound: 'WeChat not linked',
  larkNotBound: 'Lark not linked',
  sessionUntil: 'Signed in until {date}',
  edit: 'Edit',
  save: 'Save',
  saved: 'Saved',
  emailInvalid: 'The email address is not valid',
  nameRequired: 'Please enter your name',
  language: 'Language',
  logout: 'Sign out',
};

const TABLES: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zh, en };

export function getLocale(): Locale {
  try {
    return Taro.getStorageSync(KEY) === 'en' ? 'en' : 'zh-CN';
  } catch {
    return 'zh-CN';
  }
}

export function setLocale(locale: Locale): void {
  Taro.setStorageSync(KEY, locale);
}

/** The message for `key` in the current locale, with `{name}` placeholders filled. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  const text = TABLES[getLocale()][key];
  return text.replace(/\{(\w+)\}/g, (_, k: string) => (k in vars ? String(vars[k]) : `{${k}}`));
}

/** Integer cents → "¥1,234.50". */
export function money(cents: number): string {
  const yuan = (cents / 100).toFixed(2).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `¥${yuan}`;
}

/** ISO time → "2026-11-23 10:00" in the device's zone. */
export function formatTime(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}
