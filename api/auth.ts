// One place for access: who is calling (API key → Principal), whether their role may use a route,
// whether they may touch a customer. Every /v1 route declares its role with `allow(role)`.
import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Db } from '../db';
import { findActiveApiKey, type ApiKey } from '../db/api-keys';
import { grants, mayTouchCustomer, type Principal, type Role } from '../domain/access';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Locals {
      principal?: Principal;
    }
  }
}

const CACHE_MS = 5_000;
const CACHE_MAX = 10_000;

/**
 * Looks keys up by hash, remembering answers (found or not) for a few seconds so a busy ingest
 * client costs no extra query per request. A revocation through this process takes effect at once,
 * through another API replica within CACHE_MS.
 */
export class KeyResolver {
  private readonly cache = new Map<string, { key: ApiKey | null; until: number }>();

  constructor(private readonly db: Db) {}

  async resolve(secret: string): Promise<ApiKey | null> {
    const now = Date.now();
    const hit = this.cache.get(secret);
    if (hit && hit.until > now) return hit.key;
    const key = await findActiveApiKey(this.db, secret);
    if (this.cache.size >= CACHE_MAX) this.cache.clear();
    this.cache.set(secret, { key, until: now + CACHE_MS });
    return key;
  }

  /** A key this process found valid moments ago (no lookup needed). */
  knownGood(secret: string): boolean {
    const hit = this.cache.get(secret);
    return !!hit?.key && hit.until > Date.now();
  }

  forget(keyId: string): void {
    for (const [secret, v] of this.cache) if (v.key?.id === keyId) this.cache.delete(secret);
  }
}

const toPrincipal = (k: ApiKey): Principal => ({
  keyId: k.id,
  name: k.name,
  role: k.role,
  customerIds: k.customerIds ? new Set(k.customerIds) : null,
  upstreamAnalysis: k.upstreamAnalysis,
});

/** Bearer token of the request, or null when there is none. */
export function bearer(req: Request): string | null {
  const header = req.get('authorization');
  if (header === undefined) return null;
  const m = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{1,512})[ ]*$/i.exec(header);
  return m ? m[1] : '';
}

/**
 * Identifies the caller: a missing, malformed, unknown or revoked key is a 401. `onFailure` counts
 * failed attempts per address (it throws a 429 once there are too many); `beforeLookup` refuses an
 * address that is throttled for failing, before a key that is not known to be good is looked up,
 * so a guesser learns nothing from further guesses.
 */
/**
 * The ops console's session (api/console.ts): the key behind the request's session cookie and the
 * session's CSRF token; undefined when the request carries no session cookie, null when it carries
 * one that is unknown, expired, signed out or whose key was revoked.
 */
export type SessionLookup = (req: Request) => Promise<{ key: ApiKey; csrfToken: string } | null | undefined>;

export const CSRF_HEADER = 'x-csrf-token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Whether a CSRF token sent by the client is the expected one (in constant time). */
export function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function authenticate(
  resolver: KeyResolver,
  onFailure?: (req: Request) => Promise<void>,
  beforeLookup?: (req: Request) => Promise<void>,
  session?: SessionLookup,
): RequestHandler {
  return async (req, res, next) => {
    const secret = bearer(req);
    // No Authorization header: a console session cookie may stand for its key. A state-changing
    // request must also carry the session's CSRF token (a page on another site cannot read it);
    // reads need not (EventSource cannot send headers, and SameSite=Strict keeps the cookie home).
    if (secret === null && session) {
      const found = await session(req);
      if (found === null) throw new UnauthorizedError('the console session has expired or was signed out; sign in again');
      if (found) {
        if (!SAFE_METHODS.has(req.method) && !sameToken(req.get(CSRF_HEADER), found.csrfToken)) {
          throw new ForbiddenError(`a console request that changes something needs the session's CSRF token in ${CSRF_HEADER}`, [{ field: CSRF_HEADER, reason: 'is missing or does not match the session' }]);
        }
        res.locals.principal = toPrincipal(found.key);
        next();
        return;
      }
    }
    if (secret && beforeLookup && !resolver.knownGood(secret)) await beforeLookup(req);
    const key = secret ? await resolver.resolve(secret) : null;
    if (!key) {
      if (secret) await onFailure?.(req); // a wrong key is a guess; no key or another scheme is not

      throw new UnauthorizedError(secret === null ? 'an API key is required: Authorization: Bearer <key>' : 'unknown or revoked API key');
    }
    res.locals.principal = toPrincipal(key);
    next();
  };
}

/** The route's role: a key without it gets a 403. Mount after `authenticate`. */
// Typed loosely so a route's own handler keeps the parameter types Express infers from its path.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function allow(role: Role): RequestHandler<any, any, any, any> {
  return (_req, res, next) => {
    const p = res.locals.principal;
    if (!p) throw new UnauthorizedError('an API key is required: Authorization: Bearer <key>');
    if (!grants(p.role, role)) throw new ForbiddenError(`this needs the ${role} role; the key "${p.name}" has the ${p.role} role`);
    next();
  };
}

export function principalOf(res: Response): Principal {
  const p = res.locals.principal;
  if (!p) throw new UnauthorizedError('an API key is required: Authorization: Bearer <key>');
  return p;
}

/** Object-level check for a customer id the caller named; `field` says where they named it. */
export function assertCustomerAccess(res: Response, customerId: string, field: string): void {
  const p = principalOf(res);
  if (!mayTouchCustomer(p, customerId)) {
    throw new ForbiddenError(`the key "${p.name}" is limited to other customers`, [{ field, reason: 'is not a customer this key may access' }]);
  }
}

/** The customers a list may show the caller: undefined for all. */
export function customerScope(res: Response): string[] | undefined {
  const ids = principalOf(res).customerIds;
  return ids ? [...ids] : undefined;
}

/**
 * A list filter narrowed to the key's customers: naming another customer is a 403, naming none
 * shows only the key's own.
 */
export function scoped<F extends { customerId?: string }>(res: Response, filter: F, field = 'customerId'): F & { customerIds?: string[] } {
  if (filter.customerId !== undefined) assertCustomerAccess(res, filter.customerId, field);
  const ids = customerScope(res);
  return ids ? { ...filter, customerIds: ids } : filter;
}
