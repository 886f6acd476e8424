/** Page paths (src/app.config.ts). Tickets, survey and knowledge are subpackages. */
export const ROUTES = {
  home: '/pages/home/index',
  signIn: '/pages/sign-in/index',
  profile: '/pages/profile/index',
  ticketList: '/tickets/list/index',
  ticketNew: '/tickets/new/index',
  ticketDetail: '/tickets/detail/index',
  survey: '/survey/answer/index',
  kbSearch: '/knowledge/search/index',
  kbArticle: '/knowledge/article/index',
} as const;

export function withQuery(path: string, query: Record<string, string | number | undefined>): string {
  const qs = Object.entries(query)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join('&');
  return qs ? `${path}?${qs}` : path;
}

/** A page parameter, URL-decoded (WeChat and Taro H5 hand them over as they were written in the URL). */
export function param(params: Record<string, string | undefined>, key: string): string | undefined {
  const v = params[key];
  if (v === undefined) return undefined;
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}
