// Data keys, one per customer (README "Privacy"): random AES-256 keys, stored only wrapped by a
// master key from configuration. Destroying a customer's keys makes everything encrypted with
// them unreadable for good (crypto-shredding).
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import type { Db } from '../db';

export interface MasterKey {
  id: string;
  key: Buffer;
}

export interface DataKey {
  id: string;
  key: Buffer;
}

/** The data key with this id no longer exists: its customer was erased. */
export class DataKeyDestroyedError extends Error {
  constructor(readonly keyId: string) {
    super(`data key ${keyId} does not exist (destroyed when its customer was erased)`);
    this.name = 'DataKeyDestroyedError';
  }
}

/** Subject of payloads that belong to no customer (the window rules, the codec endpoint's encode). */
export const SYSTEM_SUBJECT = '~system';

// Keys are cached for a minute: a destroyed key stops working at once in the process that
// destroyed it and within CACHE_MS in every other one.
const CACHE_MS = 60_000;
const CACHE_MAX = 20_000;

/** MASTER_KEYS "id:base64,id:base64…" (the first wraps new keys; the others still unwrap old ones). */
export function parseMasterKeys(raw: string): MasterKey[] {
  const keys = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [id, b64, extra] = entry.split(':');
      const key = Buffer.from(b64 ?? '', 'base64');
      if (!id || !/^[A-Za-z0-9._-]{1,64}$/.test(id) || extra !== undefined || key.length !== 32) {
        throw new Error('each master key is "<id>:<32 bytes in base64>" (e.g. k1:$(openssl rand -base64 32))');
      }
      return { id, key };
    });
  if (keys.length === 0) throw new Error('at least one master key is needed');
  if (new Set(keys.map((k) => k.id)).size !== keys.length) throw new Error('master key ids must be unique');
  return keys;
}

function seal(key: Buffer, plain: Buffer, aad: string): Buffer {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, iv);
  c.setAAD(Buffer.from(aad));
  const body = Buffer.concat([c.update(plain), c.final()]);
  return Buffer.concat([iv, body, c.getAuthTag()]);
}

function open(key: Buffer, sealed: Buffer, aad: string): Buffer {
  const d = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, 12));
  d.setAAD(Buffer.from(aad));
  d.setAuthTag(sealed.subarray(sealed.length - 16));
  return Buffer.concat([d.update(sealed.subarray(12, sealed.length - 16)), d.final()]);
}

export const encryptWith = seal;
export const decryptWith = open;

/** A data key's row as unwrap and the caches read it (named statements list their columns: db/index.ts). */
const KEY_COLUMNS = ['id', 'subject', 'wrapped', 'master_key_id', 'retired_at'];

export class DataKeyStore {
  private readonly bySubject = new Map<string, { key: DataKey; until: number }>();
  private readonly byId = new Map<string, { key: DataKey; until: number }>();
  private readonly loading = new Map<string, Promise<DataKey>>();
  private readonly loadingById = new Map<string, Promise<DataKey>>();
  private readonly masters: Map<string, Buffer>;
  private readonly current: MasterKey;

  constructor(
    private readonly db: Db,
    masterKeys: MasterKey[],
  ) {
    if (masterKeys.length === 0) throw new Error('DataKeyStore needs a master key');
    this.current = masterKeys[0];
    this.masters = new Map(masterKeys.map((m) => [m.id, m.key]));
  }

  /** The subject's current key, made on first use. Concurrent callers for one subject share one look-up. */
  async currentKey(subject: string): Promise<DataKey> {
    const hit = this.bySubject.get(subject);
    if (hit && hit.until > Date.now()) return hit.key;
    let loading = this.loading.get(subject);
    if (!loading) {
      loading = this.loadCurrent(subject).finally(() => this.loading.delete(subject));
      this.loading.set(subject, loading);
    }
    return loading;
  }

  /**
   * The key with this id (current or retired); DataKeyDestroyedError when it was destroyed.
   * Concurrent callers for one id share one look-up (a workflow task's payloads are decoded at once).
   */
  async keyById(id: string): Promise<DataKey> {
    const hit = this.byId.get(id);
    if (hit && hit.until > Date.now()) return hit.key;
    let loading = this.loadingById.get(id);
    if (!loading) {
      loading = this.loadById(id).finally(() => this.loadingById.delete(id));
      this.loadingById.set(id, loading);
    }
    return loading;
  }

  private async loadById(id: string): Promise<DataKey> {
    const row = /^[0-9a-f-]{36}$/.test(id) ? await this.db('data_keys').where({ id }).first(KEY_COLUMNS).options({ name: 'data_key_by_id' }) : undefined;
    if (!row) throw new DataKeyDestroyedError(id);
    const key = await this.unwrap(row);
    // A worker decodes a customer's payload before it encodes the next one: the same key.
    if (row.retired_at === null) this.remember(this.bySubject, row.subject, key);
    return key;
  }

  /**
   * One statement whether the subject is new (the insert returns the key it made) or known (the
   * select finds it); only a key made concurrently by another process needs a second look.
   */
  private async loadCurrent(subject: string): Promise<DataKey> {
    const id = randomUUID();
    const wrapped = seal(this.current.key, randomBytes(32), id);
    const columns = KEY_COLUMNS.join(', ');
    const { rows } = await this.db.raw(
      `WITH made AS (
         INSERT INTO data_keys (id, subject, wrapped, master_key_id) VALUES (?, ?, ?, ?)
         ON CONFLICT (subject) WHERE retired_at IS NULL DO NOTHING
         RETURNING ${columns})
       SELECT ${columns} FROM made
       UNION ALL
       SELECT ${columns} FROM data_keys WHERE subject = ? AND retired_at IS NULL
       LIMIT 1`,
      [id, subject, wrapped, this.current.id, subject],
    ).options({ name: 'data_key_current' });
    const row = rows[0] ?? (await this.db('data_keys').where({ subject }).whereNull('retired_at').first());
    const key = await this.unwrap(row);
    this.remember(this.bySubject, subject, key);
    return key;
  }

  /** New payloads of this subject get a new key; the old one still decodes what it encrypted. */
  async rotate(subject: string): Promise<void> {
    await this.db('data_keys').where({ subject }).whereNull('retired_at').update({ retired_at: this.db.fn.now() });
    this.bySubject.delete(subject);
  }

  /** Crypto-shredding: destroys every key of the subject. Returns how many were destroyed. */
  async destroy(subject: string, db: Db = this.db): Promise<number> {
    const ids = (await db('data_keys').where({ subject }).delete().returning('id')).map((r: { id: string }) => r.id);
    this.bySubject.delete(subject);
    for (const id of ids) {
      this.byId.delete(id);
      this.loadingById.delete(id);
    }
    return ids.length;
  }

  private async unwrap(row: { id: string; wrapped: Buffer; master_key_id: string }): Promise<DataKey> {
    const master = this.masters.get(row.master_key_id);
    if (!master) throw new Error(`data key ${row.id} is wrapped by master key "${row.master_key_id}", which is not configured (CODEC_MASTER_KEYS)`);
    // A 32-byte key cut from Node's shared 8 KB buffer pool would keep a whole pool slab alive for as
    // long as it is cached (≈ 70 MB per 20,000 cached keys, measured); it gets its own memory instead.
    const opened = open(master, row.wrapped, row.id);
    const key: DataKey = { id: row.id, key: Buffer.allocUnsafeSlow(opened.length) };
    opened.copy(key.key);
    // Master key rotation: a key still wrapped by an older master key is rewrapped by the current one.
    if (row.master_key_id !== this.current.id) {
      await this.db('data_keys').where({ id: row.id }).update({ wrapped: seal(this.current.key, key.key, row.id), master_key_id: this.current.id });
    }
    this.remember(this.byId, row.id, key);
    return key;
  }

  private remember(map: Map<string, { key: DataKey; until: number }>, k: string, key: DataKey): void {
    if (map.size >= CACHE_MAX) map.clear();
    map.set(k, { key, until: Date.now() + CACHE_MS });
  }
}
