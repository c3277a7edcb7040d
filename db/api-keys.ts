// API keys: created, listed and revoked by admins (api/routes/keys.ts, scripts/keys.ts); looked up
// by their hash on every request (api/auth). The key itself is never stored.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '.';
import type { Role } from '../domain/access';
import { appendAudit, keyAuditData } from './audit';

export interface ApiKey {
  id: string;
  name: string;
  role: Role;
  /** The first characters of the key, to tell keys apart in lists; not enough to use it. */
  prefix: string;
  customerIds: string[] | null;
  upstreamAnalysis: boolean;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

export interface NewApiKey {
  name: string;
  role: Role;
  customerIds?: string[] | null;
  upstreamAnalysis?: boolean;
  createdBy: string;
}

const PREFIX = 'epk_';

export const generateApiKey = () => `${PREFIX}${randomBytes(32).toString('base64url')}`;
export const hashApiKey = (key: string) => createHash('sha256').update(key, 'utf8').digest('hex');

function fromRow(r: Record<string, any>): ApiKey {
  return {
    id: r.id,
    name: r.name,
    role: r.role,
    prefix: r.key_prefix,
    customerIds: r.customer_ids ?? null,
    upstreamAnalysis: r.upstream_analysis,
    createdBy: r.created_by,
    createdAt: new Date(r.created_at).toISOString(),
    revokedAt: r.revoked_at ? new Date(r.revoked_at).toISOString() : null,
  };
}

/** Creates a key; `key` is returned here and nowhere else. `secret` lets ADMIN_API_KEY be the key. */
export async function createApiKey(db: Db, k: NewApiKey, secret = generateApiKey()): Promise<{ apiKey: ApiKey; key: string }> {
  const [row] = await db('api_keys')
    .insert({
      id: randomUUID(),
      name: k.name,
      role: k.role,
      key_hash: hashApiKey(secret),
      key_prefix: secret.slice(0, 12),
      customer_ids: k.customerIds ? JSON.stringify([...new Set(k.customerIds)].sort()) : null,
      upstream_analysis: k.upstreamAnalysis ?? false,
      created_by: k.createdBy,
    })
    .returning('*');
  return { apiKey: fromRow(row), key: secret };
}

export async function listApiKeys(db: Db): Promise<ApiKey[]> {
  return (await db('api_keys').orderBy([{ column: 'created_at' }, { column: 'id' }])).map(fromRow);
}

/** Revokes a key (idempotent); null when there is no such key. */
export async function revokeApiKey(db: Db, id: string): Promise<ApiKey | null> {
  await db('api_keys').where({ id }).whereNull('revoked_at').update({ revoked_at: db.fn.now() });
  const row = await db('api_keys').where({ id }).first();
  return row ? fromRow(row) : null;
}

/** The active key with this secret, or null. */
export async function findActiveApiKey(db: Db, secret: string): Promise<ApiKey | null> {
  const row = await db('api_keys').where({ key_hash: hashApiKey(secret) }).whereNull('revoked_at').first();
  return row ? fromRow(row) : null;
}

/** The active key behind an unexpired console session (by its token's hash), or null: one query per request. */
export async function findActiveApiKeyBySession(db: Db, tokenHash: string): Promise<ApiKey | null> {
  const row = await db('console_sessions as s')
    .join('api_keys as k', 'k.id', 's.key_id')
    .where('s.token_hash', tokenHash)
    .where('s.expires_at', '>', db.fn.now())
    .whereNull('k.revoked_at')
    .first('k.*');
  return row ? fromRow(row) : null;
}

/**
 * The first start creates an admin key (ADMIN_API_KEY's value when set, else a random one that is
 * returned to be printed once). Later starts create nothing: an ADMIN_API_KEY that was revoked stays
 * revoked. One transaction-scoped advisory lock keeps two API replicas starting together from both
 * creating one.
 */
export async function ensureFirstAdminKey(db: Db, adminApiKey: string | undefined): Promise<{ created: boolean; key?: string; fromEnv: boolean }> {
  return db.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(?)', [0x6b657973]);
    if (adminApiKey) {
      const known = await trx('api_keys').where({ key_hash: hashApiKey(adminApiKey) }).first('id');
      if (known) return { created: false, fromEnv: true };
    } else if (await trx('api_keys').where({ role: 'admin' }).first('id')) {
      return { created: false, fromEnv: false };
    }
    const { apiKey, key } = await createApiKey(trx, { name: adminApiKey ? 'ADMIN_API_KEY' : 'first-admin', role: 'admin', createdBy: 'system' }, adminApiKey);
    await appendAudit(trx, [{ actor: 'system', action: 'key.created', subject: null, data: keyAuditData(apiKey) }]);
    return { created: true, key: adminApiKey ? undefined : key, fromEnv: Boolean(adminApiKey) };
  });
}
