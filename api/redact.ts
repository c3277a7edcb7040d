// Survey links are secrets: whoever holds one can answer for the customer. Lists show them only to
// admin keys; everyone else sees the message with the link withheld.
import type { Principal } from '../domain/access';

const LINK = /\bhttps?:\/\/[^\s"'<>]+?\/(?:s|v1\/surveys)\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/g;
export const WITHHELD = '[survey link withheld]';

export const seesSurveyLinks = (p: Principal) => p.role === 'admin';

/** Every string inside `v` with survey links replaced (a copy; `v` is left alone). */
export function withoutSurveyLinks<T>(v: T): T {
  if (typeof v === 'string') return v.replace(LINK, WITHHELD) as T;
  if (Array.isArray(v)) return v.map(withoutSurveyLinks) as T;
  if (v && typeof v === 'object' && !(v instanceof Date)) {
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, k === 'surveyLink' && x ? WITHHELD : withoutSurveyLinks(x)])) as T;
  }
  return v;
}
