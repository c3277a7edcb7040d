// Sessions of the ops console: a random token in the browser's cookie, only its hash here. The CSRF
// token is derived from the session token (never stored), so the table alone gives neither.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '.';
import { findActiveApiKeyBySession, type ApiKey } from './api-keys';

const hash = (token: string) => createHash('sha256').update(token, 'utf8').digest('hex');

/** The per-session CSRF token the console sends in X-CSRF-Token. */
export const csrfTokenOf = (sessionToken: string) => createHash('sha256').update(`csrf:${sessionToken}`, 'utf8').digest('base64url');

/** Starts a session for the key; returns the token for the cookie (shown nowhere else) and its expiry. */
export async function createConsoleSession(db: Db, keyId: string, ttlMs: number): Promise<{ token: string; expiresAt: Date }> {
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlMs);
  // Expired sessions are of no use to anyone: each sign-in sweeps them.
  await db('console_sessions').where('expires_at', '<', db.fn.now()).delete();
  await db('console_sessions').insert({ token_hash: hash(token), key_id: keyId, expires_at: expiresAt });
  return { token, expiresAt };
}

/** The active key behind an unexpired session, or null. */
export async function findConsoleSession(db: Db, token: string): Promise<{ key: ApiKey } | null> {
  const key = await findActiveApiKeyBySession(db, hash(token));
  return key ? { key } : null;
}

export async function deleteConsoleSession(db: Db, token: string): Promise<void> {
  await db('console_sessions').where({ token_hash: hash(token) }).delete();
}
