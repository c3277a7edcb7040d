// The ops console (README "Ops console"): static pages under /console (console/, no build step),
// the browser builds of preact, htm and chart.js from node_modules, and the session an operator
// gets by pasting an API key once. The session lives in an HttpOnly, SameSite=Strict cookie that
// stands for its key on /v1 (api/auth.ts); state-changing requests also carry the session's CSRF
// token, which the page keeps in memory only.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseCookie, stringifySetCookie } from 'cookie';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Config } from '../config';
import type { Db } from '../db';
import { createConsoleSession, csrfTokenOf, deleteConsoleSession, findConsoleSession } from '../db/console-sessions';
import { grants } from '../domain/access';
import { ForbiddenError, UnauthorizedError } from '../domain/errors';
import { CSRF_HEADER, sameToken, type KeyResolver, type SessionLookup } from './auth';
import { parse } from './errors';
import { bodyHygiene } from './hygiene';
import { clientAddress, type RateLimits } from './rate-limit';

export const SESSION_COOKIE = 'ep_console';
const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const ROOT = path.join(__dirname, '..');
const STATIC_DIR = path.join(ROOT, 'console');

/** The console's own scripts and styles only: no inline script, no other origin. */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const SignInSchema = z.strictObject({ key: z.string().min(1).max(512) });

/** The session token of the request's cookie: undefined without one, '' for one we never issue. */
function sessionToken(req: Request): string | undefined {
  const header = req.get('cookie');
  if (!header) return undefined;
  const token = parseCookie(header)[SESSION_COOKIE];
  if (!token) return undefined;
  return /^[A-Za-z0-9_-]{1,128}$/.test(token) ? token : '';
}

/** The key behind the request's session cookie, for `authenticate` (see SessionLookup). */
export function consoleSessionLookup(db: Db): SessionLookup {
  return async (req) => {
    const token = sessionToken(req);
    if (token === undefined) return undefined;
    const found = token ? await findConsoleSession(db, token) : null;
    return found ? { key: found.key, csrfToken: csrfTokenOf(token) } : null;
  };
}

/**
 * A vendor ES module whose bare `preact` imports point at the copy served next to it (a browser
 * resolves no bare specifiers without an import map, and an inline import map would need an inline
 * script in the CSP).
 */
function vendorModule(file: string): string {
  return readFileSync(path.join(ROOT, 'node_modules', file), 'utf8').replace(/(from\s*)(["'])preact\2/g, '$1$2./preact.mjs$2');
}

const VENDOR: Record<string, { file: string; type: string }> = {
  'preact.mjs': { file: 'preact/dist/preact.mjs', type: 'text/javascript' },
  'hooks.mjs': { file: 'preact/hooks/dist/hooks.mjs', type: 'text/javascript' },
  'htm.mjs': { file: 'htm/dist/htm.mjs', type: 'text/javascript' },
  'chart.umd.min.js': { file: 'chart.js/dist/chart.umd.min.js', type: 'text/javascript' },
};

export function createConsoleRouter({ db, config, resolver, limits }: { db: Db; config: Config; resolver: KeyResolver; limits: RateLimits }) {
  const router = Router();
  const vendor = new Map<string, string>();
  const lookup = consoleSessionLookup(db);

  router.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('X-Frame-Options', 'DENY');
    next();
  });

  for (const [name, { file, type }] of Object.entries(VENDOR)) {
    router.get(`/vendor/${name}`, (_req, res) => {
      if (!vendor.has(name)) vendor.set(name, vendorModule(file));
      res.type(type).setHeader('Cache-Control', 'public, max-age=3600');
      res.send(vendor.get(name));
    });
  }

  // Where the Temporal Web UI is: the dev server's UI port on the host the console was opened from.
  router.get('/config.json', (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.json({ temporalUiUrl: `${req.protocol}://${req.hostname.includes(':') ? `[${req.hostname}]` : req.hostname}:${config.temporal.uiPort}`, namespace: config.temporal.namespace });
  });

  const setCookie = (req: Request, res: Response, value: string, maxAgeSeconds: number) => {
    res.append('Set-Cookie', stringifySetCookie(SESSION_COOKIE, value, { httpOnly: true, sameSite: 'strict', secure: req.secure, path: '/', maxAge: maxAgeSeconds }));
  };

  // Who is signed in, and the CSRF token the page keeps in memory (a reload asks again).
  router.get('/session', async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const found = await lookup(req);
    if (!found) throw new UnauthorizedError('not signed in');
    res.json({ name: found.key.name, role: found.key.role, csrfToken: found.csrfToken });
  });

  // Sign-in: the key is checked like a Bearer key, wrong keys count against the address's
  // failed-authentication limit, and a throttled address is refused before any lookup.
  router.post('/session', express.json({ limit: '4kb' }), bodyHygiene, async (req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    const { key: secret } = parse(SignInSchema, req.body ?? {});
    const who = clientAddress(req);
    if (!resolver.knownGood(secret)) await limits.assertNotBlocked(who);
    const key = await resolver.resolve(secret);
    if (!key) {
      await limits.consume('authFailure', who);
      throw new UnauthorizedError('unknown or revoked API key');
    }
    if (!grants(key.role, 'operator')) throw new ForbiddenError(`the console needs an operator or admin key; the key "${key.name}" has the ${key.role} role`);
    const { token } = await createConsoleSession(db, key.id, SESSION_TTL_MS);
    setCookie(req, res, token, SESSION_TTL_MS / 1000);
    res.status(201).json({ name: key.name, role: key.role, csrfToken: csrfTokenOf(token) });
  });

  // Sign-out ends the session on the server, so a copied cookie is worthless afterwards.
  router.delete('/session', async (req, res) => {
    const token = sessionToken(req);
    const found = await lookup(req);
    if (found && token) {
      if (!sameToken(req.get(CSRF_HEADER), found.csrfToken)) throw new ForbiddenError(`signing out needs the session's CSRF token in ${CSRF_HEADER}`);
      await deleteConsoleSession(db, token);
    }
    setCookie(req, res, '', 0);
    res.status(204).end();
  });

  router.use(express.static(STATIC_DIR, { index: 'index.html', redirect: true, fallthrough: true }));
  return router;
}
