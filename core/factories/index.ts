/**
 * Typed, deterministic data factories shared by the tests, the demo seed and the benchmarks.
 * Same seed → same data, so bench fingerprints and test expectations are stable. Not a context and not the kernel:
 * a folder above every context (it builds their rows), imported by no core module.
 */
import type { ActivityCreation, ActivityChannel } from '../activities/model';
import type { ContactCreation, CustomerCreation } from '../customers/model';
import { normalizeCompanyName, normalizeEmail, normalizePhone } from '../customers/normalize';

export type Rng = () => number;

/**
 * Bump when any factory's output changes: benchmark seeds carry it in their fingerprint, so an existing
 * seed built by older factories is rebuilt instead of silently reused.
 */
export const FACTORY_VERSION = 1;

/** mulberry32: tiny, fast, good enough for fixtures. */
export function rng(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)];

const PREFIX = ['远航', '华信', '金桥', '蓝海', '星辰', '恒通', '中科', '东方', '新元', '宏达', '天成', '博远', '瑞丰', '鼎盛', '智联', '云帆', '海纳', '卓越', '正泰', '安信'];
const INDUSTRY_WORD = ['科技', '贸易', '制造', '物流', '医疗', '教育', '餐饮', '建材', '软件', '电子'];
export const INDUSTRIES = ['互联网', '制造业', '零售', '物流', '医疗', '教育', '金融', '建筑'] as const;
export const REGIONS = ['华东', '华南', '华北', '西南', '华中'] as const;
export const SOURCES = ['官网', '展会', '转介绍', '电话营销', '广告', '老客户'] as const;
const SURNAMES = ['王', '李', '张', '刘', '陈', '杨', '黄', '赵', '吴', '周', '徐', '孙', '马', '朱', '胡', '郭'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '强', '洋', '艳', '勇', '军', '杰', '涛', '明', '超', '霞'];
const CHANNELS: ActivityChannel[] = ['phone', 'visit', 'wechat', 'email', 'meeting'];
const SUMMARIES = ['电话沟通了采购需求，客户关注价格', '上门拜访，演示了产品方案', '微信发送了报价单', '邮件确认了合同条款', '开会讨论实施计划', '客户反馈试用效果不错', '跟进付款进度'];
const NEXT_STEPS = ['发送正式报价', '安排技术交流', '确认合同细节', '邀请参观工厂', '回访使用情况'];

export function companyName(i: number): string {
  const p = PREFIX[i % PREFIX.length];
  const w = INDUSTRY_WORD[Math.floor(i / PREFIX.length) % INDUSTRY_WORD.length];
  const block = Math.floor(i / (PREFIX.length * INDUSTRY_WORD.length));
  return `${p}${w}${block > 0 ? block : ''}有限公司`;
}

export function personName(r: Rng): string {
  return pick(r, SURNAMES) + pick(r, GIVEN) + (r() < 0.5 ? pick(r, GIVEN) : '');
}

/** A unique, valid mainland mobile for index i. */
export function mobileFor(i: number): string {
  return `139${String(i % 100_000_000).padStart(8, '0')}`;
}

export interface CustomerFactoryOptions {
  ownerId?: number | null;
  teamId?: number | null;
  poolId?: number | null;
  now?: Date;
  /** Days back the last follow-up may be. */
  maxAgeDays?: number;
}

export function customerAttrs(i: number, r: Rng, o: CustomerFactoryOptions = {}): CustomerCreation {
  const now = o.now ?? new Date();
  const name = companyName(i);
  const phone = mobileFor(i);
  const email = `contact${i}@example.cn`;
  const ageMs = Math.floor(r() * (o.maxAgeDays ?? 45) * 86_400_000);
  return {
    name,
    name_norm: normalizeCompanyName(name),
    phone,
    phone_norm: normalizePhone(phone),
    email,
    email_norm: normalizeEmail(email),
    owner_id: o.ownerId ?? null,
    team_id: o.teamId ?? null,
    pool_id: o.poolId ?? null,
    tags: [],
    source: pick(r, SOURCES),
    region: pick(r, REGIONS),
    industry: pick(r, INDUSTRIES),
    status: 'active',
    last_followup_at: new Date(now.getTime() - ageMs),
    claimed_at: o.ownerId ? new Date(now.getTime() - ageMs - 86_400_000) : null,
    created_at: now,
    updated_at: now,
  };
}

export function contactAttrs(customerId: number, i: number, r: Rng, primary = true): ContactCreation {
  const phone = mobileFor(50_000_000 + i);
  return {
    customer_id: customerId,
    name: personName(r),
    title: pick(r, ['采购经理', '总经理', '技术总监', '财务']),
    phone,
    phone_norm: normalizePhone(phone),
    email: null,
    email_norm: null,
    is_primary: primary,
  };
}

export function activityAttrs(customerId: number, userId: number | null, occurredAt: Date, r: Rng): ActivityCreation {
  return {
    customer_id: customerId,
    user_id: userId,
    channel: pick(r, CHANNELS),
    summary: pick(r, SUMMARIES),
    next_step: r() < 0.6 ? pick(r, NEXT_STEPS) : null,
    next_at: r() < 0.5 ? new Date(occurredAt.getTime() + Math.ceil(r() * 7) * 86_400_000) : null,
    occurred_at: occurredAt,
    source: 'seed',
    created_at: occurredAt,
    updated_at: occurredAt,
  };
}
