// Request hygiene before any route sees a request: a path, query or body with NUL characters,
// unpaired UTF-16 surrogates (or %-escapes that decode to invalid UTF-8), broken %-encoding or
// absurd nesting is a 400 naming where, never a 500 and never stored.
import type { RequestHandler } from 'express';
import { InvalidInputError, type ErrorDetail } from '../domain/errors';

const BAD_PERCENT = /%(?![0-9A-Fa-f]{2})/;
// C0 controls other than tab, newline and carriage return have no business in a URL.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F]/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
export const MAX_BODY_DEPTH = 32;

/** Why a decoded string is unacceptable, or null. */
export function badText(s: string, inUrl = false): string | null {
  if (s.includes('\u0000')) return 'must not contain NUL characters';
  if (LONE_SURROGATE.test(s)) return 'must be valid Unicode (no unpaired surrogates)';
  if (inUrl && CONTROL.test(s)) return 'must not contain control characters';
  return null;
}

function decodeComponent(raw: string, plusIsSpace: boolean): { value: string } | { reason: string } {
  if (BAD_PERCENT.test(raw)) return { reason: 'has a broken %-escape' };
  try {
    return { value: decodeURIComponent(plusIsSpace ? raw.replace(/\+/g, ' ') : raw) };
  } catch {
    return { reason: 'has %-escapes that are not valid UTF-8' };
  }
}

/** Checks the raw path and query string, before Express decodes them. */
export const urlHygiene: RequestHandler = (req, _res, next) => {
  const url = req.originalUrl ?? req.url;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const details: ErrorDetail[] = [];
  const p = decodeComponent(path, false);
  if ('reason' in p) details.push({ field: 'path', reason: p.reason });
  else {
    const why = badText(p.value, true);
    if (why) details.push({ field: 'path', reason: why });
  }
  for (const pair of query ? query.split('&') : []) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const rawName = eq === -1 ? pair : pair.slice(0, eq);
    const name = decodeComponent(rawName, true);
    const field = 'value' in name && !badText(name.value, true) ? name.value.slice(0, 64) : 'query';
    for (const part of eq === -1 ? [name] : [name, decodeComponent(pair.slice(eq + 1), true)]) {
      const why = 'reason' in part ? part.reason : badText(part.value, true);
      if (why) details.push({ field, reason: why });
    }
  }
  next(details.length ? new InvalidInputError('invalid request URL', details.slice(0, 20)) : undefined);
};

/**
 * Walks a parsed body (iteratively: a hostile body must not exhaust the stack) and names the first
 * problems by their path, as the schemas do.
 */
export function bodyProblems(body: unknown): ErrorDetail[] {
  const details: ErrorDetail[] = [];
  const stack: Array<{ v: unknown; path: string; depth: number }> = [{ v: body, path: '', depth: 0 }];
  while (stack.length && details.length < 20) {
    const { v, path, depth } = stack.pop()!;
    const field = path || 'body';
    if (typeof v === 'string') {
      const why = badText(v);
      if (why) details.push({ field, reason: why });
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH) {
      details.push({ field, reason: `is nested more than ${MAX_BODY_DEPTH} levels deep` });
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      const childPath = path ? `${path}.${k}` : k;
      const why = badText(k);
      if (why) {
        details.push({ field: path || 'body', reason: `field names ${why}` });
        continue;
      }
      stack.push({ v: child, path: childPath, depth: depth + 1 });
    }
  }
  return details;
}

export const bodyHygiene: RequestHandler = (req, _res, next) => {
  const details = req.body === undefined ? [] : bodyProblems(req.body);
  next(details.length ? new InvalidInputError('invalid body', details) : undefined);
};
