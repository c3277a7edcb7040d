// The audit trail (README "Audit trail"): the one writer every route and activity calls, the reader
// behind GET /v1/audit, and the verifier behind `npm run audit:verify`.
//
// Each row's hash is SHA-256 over the previous row's hash and a canonical JSON of the row (id, at,
// actor, action, subject, data), so altering, removing, inserting or reordering a row breaks the
// chain from there on. Writers take one transaction-scoped advisory lock, read the last row and
// append after it: the chain stays linear across API replicas and workers, and the rows commit (or
// roll back) with the action they record. Rows written inside a transaction do that at its COMMIT,
// inside the database, so the lock is never held while a transaction waits on its client.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { Db } from '.';
import { InvalidInputError } from '../domain/errors';
import { pseudonymOf, referenceOf } from '../domain/privacy';
import type { ApiKey } from './api-keys';

export const AUDIT_ACTIONS = [
  'signal.scored',
  'analysis.withheld',
  'alert.fired',
  'alert.suppressed',
  'alert.acknowledged',
  'alert.resolved',
  'outreach.started',
  'outreach.skipped',
  'outreach.escalated',
  'message.sent',
  'message.withheld',
  'message.deferred',
  'profile.changed',
  'consent.changed',
  'key.created',
  'key.revoked',
  'customer.erased',
  'segment.changed',
  'retention.purged',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One row to append: `subject` is a pseudonym (see AuditTrail), never a customer id. */
export interface AuditEntry {
  actor: string;
  action: AuditAction;
  subject: string | null;
  data: Record<string, unknown>;
}

export interface AuditRow extends AuditEntry {
  id: number;
  at: string;
  prevHash: string;
  hash: string;
}

/** The prev_hash of the first row. */
export const GENESIS_HASH = '0'.repeat(64);
/** Serializes writers: 'audi'. */
const AUDIT_LOCK = 0x61756469;

/** JSON with object keys sorted at every depth: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}

/**
 * The canonical JSON of a row (id, at, actor, action, subject, data; keys sorted) in two parts, before
 * and after its id: the id is given only under the writers' lock (audit_append puts it between them).
 */
export function auditBody(r: { at: string; actor: string; action: string; subject: string | null; data: unknown }): [head: string, tail: string] {
  // canonicalJson of { id, at, actor, action, subject, data }: its keys in sorted order, written out.
  const head = `{"action":${canonicalJson(r.action)},"actor":${canonicalJson(r.actor)},"at":${canonicalJson(r.at)},"data":${canonicalJson(r.data)},"id":`;
  return [head, `,"subject":${canonicalJson(r.subject)}}`];
}

export function auditHash(prevHash: string, r: { id: number; at: string; actor: string; action: string; subject: string | null; data: unknown }): string {
  const [head, tail] = auditBody(r);
  return createHash('sha256').update(`${prevHash}\n${head}${r.id}${tail}`, 'utf8').digest('hex');
}

// Keys whose text would be personal data (`{email: true}`, a consent, is fine; `{email: "…"}` is not).
// A writer that tries one has a bug: fail loudly, record nothing.
const PERSONAL_KEYS = new Set(['text', 'phone', 'email', 'name', 'body', 'comment', 'note', 'toAddress', 'address', 'recipient', 'customerId', 'signalId', 'outreachId']);

function assertNoPersonalKeys(value: unknown, path: string): void {
  if (value === null || typeof value !== 'object') return;
  for (const [k, v] of Object.entries(value)) {
    if (!Array.isArray(value) && PERSONAL_KEYS.has(k) && typeof v === 'string') throw new Error(`audit data may not carry "${path}${k}" (personal data or a customer id)`);
    assertNoPersonalKeys(v, `${path}${k}.`);
  }
}

const isTransaction = (db: Db | Knex.Transaction): db is Knex.Transaction => (db as Knex.Transaction).isTransaction === true;

/**
 * Appends rows in order. Inside the caller's transaction they join the chain when it commits (a
 * deferred trigger, migration 20261208000300_audit_at_commit: the writers' lock is taken and released
 * inside the database) and nothing is returned; on their own they are appended at once, in a
 * transaction of their own, and come back with their ids and hashes.
 */
export async function appendAudit(trx: Knex.Transaction, entries: AuditEntry[]): Promise<void>;
export async function appendAudit(db: Db, entries: AuditEntry[]): Promise<AuditRow[]>;
export async function appendAudit(db: Db | Knex.Transaction, entries: AuditEntry[]): Promise<AuditRow[] | void>;
export async function appendAudit(db: Db | Knex.Transaction, entries: AuditEntry[]): Promise<AuditRow[] | void> {
  if (entries.length === 0) return isTransaction(db) ? undefined : [];
  for (const e of entries) assertNoPersonalKeys(e.data, '');
  // The time of writing, taken before the lock (rows from different processes were never ordered by their clocks).
  const at = new Date().toISOString();
  const rows = entries.map((e) => {
    // What jsonb will give back: the hash must be computed over the same value the verifier reads.
    const data = JSON.parse(JSON.stringify(e.data ?? {})) as Record<string, unknown>;
    return { at, actor: e.actor, action: e.action, subject: e.subject, data, body: auditBody({ at, actor: e.actor, action: e.action, subject: e.subject, data }) };
  });
  if (isTransaction(db)) {
    await db('audit_pending').insert(rows.map((r) => ({ at: r.at, actor: r.actor, action: r.action, subject: r.subject, data: JSON.stringify(r.data), head: r.body[0], tail: r.body[1] })));
    return;
  }
  // Lock, last row, hash chain and insert in one round trip (migration 20261208000100_audit_append).
  const { rows: chained } = await db.raw<{ rows: { id: string; prev_hash: string; hash: string }[] }>(
    'SELECT id, prev_hash, hash FROM audit_append(?, ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[], ?::text[])',
    [
      AUDIT_LOCK,
      rows.map((r) => r.at),
      rows.map((r) => r.actor),
      rows.map((r) => r.action),
      // A null subject is NULL in the array (node-postgres writes the literal).
      rows.map((r) => r.subject) as unknown as Knex.Value,
      rows.map((r) => JSON.stringify(r.data)),
      rows.map((r) => r.body[0]),
      rows.map((r) => r.body[1]),
    ],
  );
  return rows.map(({ body: _, ...r }, i) => ({ ...r, id: Number(chained[i].id), prevHash: chained[i].prev_hash, hash: chained[i].hash }));
}

/** An audit event about a customer, before pseudonymisation. */
export interface AuditEvent {
  actor: string;
  action: AuditAction;
  /** The customer concerned; stored only as its pseudonym. */
  customerId?: string | null;
  data?: Record<string, unknown>;
}

/**
 * The audit writer routes and activities are given: it turns customer ids into pseudonyms (and ids
 * that may contain one, such as signal ids, into references), so no caller handles that itself.
 */
export class AuditTrail {
  constructor(private readonly secret: string) {}

  subjectOf(customerId: string): string {
    return pseudonymOf(this.secret, customerId);
  }

  /** A stable reference to a signal id (which a caller chooses, and generated ones contain customer ids). */
  signalRef(signalId: string): string {
    return referenceOf(this.secret, 's', signalId);
  }

  /** Inside a transaction: chained when it commits; on its own: appended at once, the rows returned. */
  record(trx: Knex.Transaction, events: AuditEvent[]): Promise<void>;
  record(db: Db, events: AuditEvent[]): Promise<AuditRow[]>;
  record(db: Db | Knex.Transaction, events: AuditEvent[]): Promise<AuditRow[] | void> {
    const entries = events.map((e) => ({ actor: e.actor, action: e.action, subject: e.customerId ? this.subjectOf(e.customerId) : null, data: e.data ?? {} }));
    return appendAudit(db, entries);
  }
}

/** A key in the audit trail: which one and what it may do; the customers it is limited to only as a count. */
export const keyAuditData = (k: ApiKey) => ({ keyId: k.id, keyName: k.name, role: k.role, limitedToCustomers: k.customerIds?.length ?? null, upstreamAnalysis: k.upstreamAnalysis });

/**
 * Used only where no PSEUDONYM_SECRET reached the code (tests and library use): `npm run api`,
 * `npm run worker` refuse to start without one and `npm start` makes one for its data folder.
 */
export const DEV_PSEUDONYM_SECRET = 'dev-pseudonym-secret-not-for-production';

// ---- reading ----

export interface AuditFilter {
  /** Pseudonyms: only rows about these subjects (a key limited to some customers sees only theirs). */
  subjects?: readonly string[];
  from?: string;
  to?: string;
}

function rowOf(r: Record<string, any>): AuditRow {
  return {
    id: Number(r.id),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    action: r.action,
    subject: r.subject,
    data: r.data,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

function filtered(db: Db, f: AuditFilter, afterId: number) {
  const q = db('audit_log').where('id', '>', afterId);
  if (f.subjects) q.whereIn('subject', f.subjects);
  if (f.from) q.where('at', '>=', f.from);
  if (f.to) q.where('at', '<=', f.to);
  return q.orderBy('id', 'asc');
}

const encodeCursor = (id: number) => Buffer.from(`audit:${id}`).toString('base64url');

/** Exactly what encodeCursor makes, or a 400: a tampered cursor never reaches the database. */
function decodeCursor(cursor: string): number {
  if (/^[A-Za-z0-9_-]{1,64}$/.test(cursor)) {
    const m = /^audit:([1-9]\d{0,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (m && Number.isSafeInteger(Number(m[1])) && encodeCursor(Number(m[1])) === cursor) return Number(m[1]);
  }
  throw new InvalidInputError('invalid query', [{ field: 'cursor', reason: 'is not a cursor returned by this API' }]);
}

/** Oldest first, keyset-paged by id. */
export async function listAudit(db: Db, f: AuditFilter, limit: number, cursor?: string): Promise<{ items: AuditRow[]; nextCursor: string | null }> {
  const rows = await filtered(db, f, cursor ? decodeCursor(cursor) : 0).limit(limit + 1);
  const items = rows.slice(0, limit).map(rowOf);
  return { items, nextCursor: rows.length > limit ? encodeCursor(items[items.length - 1].id) : null };
}

/** Every matching row, a page at a time (for the JSON-lines export). */
export async function* auditRows(db: Db, f: AuditFilter, pageSize = 1000): AsyncGenerator<AuditRow> {
  let after = 0;
  for (;;) {
    const rows = (await filtered(db, f, after).limit(pageSize)).map(rowOf);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

// ---- verifying ----

export interface AuditVerification {
  ok: boolean;
  /** Rows checked. */
  rows: number;
  /** The last row: record it elsewhere to detect a later truncation of the tail (`anchor`). */
  head: { id: number; hash: string } | null;
  problem?: { id: number; reason: string };
}

/**
 * Walks the whole chain: ids 1, 2, 3… without gaps, each row's prev_hash the hash of the row before,
 * each hash recomputed from the row. `anchor` (a head recorded earlier) must still be in the chain
 * with the same hash: the one thing a chain alone cannot show is its tail being cut off.
 */
export async function verifyAuditChain(db: Db, opts: { anchor?: { id: number; hash: string }; pageSize?: number } = {}): Promise<AuditVerification> {
  const pageSize = opts.pageSize ?? 2000;
  let expectedId = 1;
  let prevHash = GENESIS_HASH;
  let rows = 0;
  let head: AuditVerification['head'] = null;
  const fail = (id: number, reason: string): AuditVerification => ({ ok: false, rows, head, problem: { id, reason } });
  for (;;) {
    const page = (await db('audit_log').where('id', '>=', expectedId).orderBy('id', 'asc').limit(pageSize)).map(rowOf);
    for (const r of page) {
      if (r.id !== expectedId) {
        return fail(expectedId, expectedId === r.id - 1 ? `row ${expectedId} is missing (removed)` : `rows ${expectedId}–${r.id - 1} are missing (removed)`);
      }
      if (auditHash(r.prevHash, r) !== r.hash) return fail(r.id, 'altered: its content does not match its hash');
      if (r.prevHash !== prevHash) {
        return fail(r.id, r.id === 1 ? 'the first row does not start the chain' : `its prev_hash is not the hash of row ${r.id - 1}: a row was altered, removed, inserted or reordered`);
      }
      if (opts.anchor && r.id === opts.anchor.id && r.hash !== opts.anchor.hash) return fail(r.id, 'differs from the anchored hash recorded earlier');
      prevHash = r.hash;
      head = { id: r.id, hash: r.hash };
      expectedId += 1;
      rows += 1;
    }
    if (page.length < pageSize) break;
  }
  if (opts.anchor && (head?.id ?? 0) < opts.anchor.id) return fail(opts.anchor.id, `the chain ends at row ${head?.id ?? 0}, before the anchored row: rows were removed from its end`);
  return { ok: true, rows, head };
}
