/**
 * Realistic company names for the parse bench: city + a two-character core + an industry word + a legal suffix
 * (宁波港联物流有限公司), with short forms and some English names. Deterministic for a seed.
 */
import { mulberry32 } from './stats';

const CITIES = ['北京', '上海', '深圳', '广州', '杭州', '宁波', '南京', '苏州', '合肥', '武汉', '成都', '西安', '青岛', '厦门', '长沙', '郑州', '济南', '大连', '温州', '佛山', '东莞', '无锡', '常州', '天津', '重庆'];
const CORE_CHARS = '港联远航星河华晨东岳金鼎中兴南山海川蓝天恒信博远瑞丰凯旋晨光佳禾宏图新锐三和润达易达银河德盛青松飞鸿安捷万家明德鼎盛嘉禾利民天成北辰永泰盛世华宇龙腾汇通宏达正泰金桥鸿运昌盛和信康泰祥云锦程启明长城国泰中天荣华景润创新卓越精诚立信致远伟业同创睿智弘毅博雅思源天元开元泰和安平';
const INDUSTRIES = ['物流', '科技', '机械', '电子', '贸易', '实业', '化工', '医疗', '食品', '建材', '包装', '环保', '信息技术', '网络科技', '电气', '塑业', '纺织', '家居', '印务', '软件', '汽车', '精工', '光电', '能源'];
const SUFFIXES = ['有限公司', '有限公司', '有限公司', '股份有限公司', '集团有限公司', '集团', ''];
const EN_CORES = ['Quill', 'Bright', 'North', 'Silver', 'Granite', 'Blue', 'Red', 'Summit', 'Oak', 'Pine', 'River', 'Iron', 'Stone', 'Sun', 'Star', 'Coral', 'Falcon', 'Atlas', 'Vertex', 'Maple'];
const EN_TAILS = ['feather', 'wave', 'wind', 'line', 'peak', 'fin', 'wood', 'crest', 'gate', 'field', 'bridge', 'stone'];
const EN_INDUSTRY = ['Logistics', 'Foods', 'Robotics', 'Analytics', 'Tech', 'Industries', 'Trading', 'Medical', 'Systems', 'Holdings'];
const EN_LEGAL = ['Ltd', 'Inc', 'Corp', 'Co', ''];

export function companyNames(n: number, seed = 16): string[] {
  const r = mulberry32(seed);
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)];
  const out: string[] = new Array(n);
  for (let i = 0; i < n; i++) {
    if (r() < 0.05) {
      out[i] = `${pick(EN_CORES)}${pick(EN_TAILS)} ${pick(EN_INDUSTRY)}${(() => { const l = pick(EN_LEGAL); return l ? ' ' + l : ''; })()}`;
      continue;
    }
    const core = CORE_CHARS[Math.floor(r() * CORE_CHARS.length)] + CORE_CHARS[Math.floor(r() * CORE_CHARS.length)] + (r() < 0.2 ? CORE_CHARS[Math.floor(r() * CORE_CHARS.length)] : '');
    out[i] = `${r() < 0.7 ? pick(CITIES) : ''}${core}${pick(INDUSTRIES)}${pick(SUFFIXES)}`;
  }
  return out;
}
