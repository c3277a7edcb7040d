import type { Db } from '.';
import type { Knex } from 'knex';
import type { RecommendedAction } from '../domain/actions';
import type { AuditTrail } from './audit';
import { alertStatusMessage, enqueueWorkflowMessage } from './workflow-messages';
import { ConflictError, InvalidInputError, NotFoundError } from '../domain/errors';
import { transition, type AlertAction } from '../domain/lifecycle';
import type { AlertStatus, AlertType, Severity } from '../domain/types';

export interface NewAlert {
  id: string;
  type: AlertType;
  severity: Severity;
  customerId: string | null;
  key: string;
  dedupId: string;
  workflowId: string | null;
  recommendedAction: RecommendedAction;
  evidence: { signalIds: string[]; [k: string]: unknown };
  metadata: Record<string, unknown>;
}


export interface Alert {
  id: string;
  type: AlertType;
  severity: Severity;
  status: AlertStatus;
  customerId: string | null;
  key: string;
  createdAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  recommendedAction: RecommendedAction;
  evidence: { signalIds: string[]; [k: string]: unknown };
  metadata: Record<string, unknown>;
  suppressedCount: number;
  workflowId: string | null;
}

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

export function alertFromRow(r: Record<string, any>): Alert {
  return {
    id: r.id,
    type: r.type,
    severity: r.severity,
    status: r.status,
    customerId: r.customer_id,
    key: r.key,
    createdAt: iso(r.created_at)!,
    acknowledgedAt: iso(r.acknowledged_at),
    acknowledgedBy: r.acknowledged_by,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by,
    recommendedAction: r.recommended_action,
    evidence: r.evidence,
    metadata: r.metadata,
    suppressedCount: r.suppressed_count,
    workflowId: r.workflow_id,
  };
}

/** Inserts alerts once per dedup id, each new one with its `created` event; returns the new ones. One statement. */
export async function insertAlerts(db: Db, alerts: NewAlert[]): Promise<Alert[]> {
  if (alerts.length === 0) return [];
  const insert = db('alerts')
    .insert(
      alerts.map((a) => ({
        id: a.id,
        type: a.type,
        severity: a.severity,
        customer_id: a.customerId,
        key: a.key,
        dedup_id: a.dedupId,
        workflow_id: a.workflowId,
        recommended_action: JSON.stringify(a.recommendedAction),
        evidence: JSON.stringify(a.evidence),
        metadata: JSON.stringify(a.metadata),
      })),
    )
    .onConflict('dedup_id')
    .ignore()
    .returning('*')
    .toSQL();
  const { rows } = await db.raw(
    `WITH made AS (${insert.sql}),
     events AS (INSERT INTO alert_events (alert_id, action, actor, data) SELECT id, 'created', 'system', jsonb_build_object('rule', type) FROM made)
     SELECT * FROM made`,
    insert.bindings as Knex.ValueDict[],
  );
  return (rows as Record<string, any>[]).map(alertFromRow);
}

/**
 * Counts suppressed repeats, each on the customer's most recent alert of its type, in one statement.
 * Returns, per suppression in order, the alert it was counted on now, or null (no such alert, or
 * counted already by an earlier attempt: a retried activity must not count twice). Once per alert
 * and signal is the unique index alert_events_suppressed_once: an earlier attempt's event makes the
 * insert skip the row, an index probe whatever the table's statistics.
 */
export async function countSuppressions(db: Db, customerId: string, suppressions: { type: AlertType; signalId: string }[]): Promise<(string | null)[]> {
  if (suppressions.length === 0) return [];
  const { rows } = await db.raw(
    `WITH s AS (SELECT * FROM unnest(?::int[], ?::text[], ?::text[]) AS s(ord, type, signal_id)),
     target AS (
       SELECT s.ord, s.signal_id, a.id AS alert_id FROM s
         JOIN LATERAL (SELECT id FROM alerts WHERE customer_id = ? AND type = s.type ORDER BY created_at DESC LIMIT 1) a ON true),
     events AS (
       INSERT INTO alert_events (alert_id, action, actor, data)
       SELECT alert_id, 'suppressed', 'system', jsonb_build_object('signalId', signal_id) FROM target ORDER BY ord
       ON CONFLICT (alert_id, (data->>'signalId')) WHERE action = 'suppressed' DO NOTHING
       RETURNING alert_id, data->>'signalId' AS signal_id),
     counts AS (
       UPDATE alerts SET suppressed_count = suppressed_count + t.n
         FROM (SELECT alert_id, count(*)::int AS n FROM events GROUP BY alert_id) t WHERE alerts.id = t.alert_id)
     SELECT t.ord, t.alert_id FROM target t JOIN events e ON e.alert_id = t.alert_id AND e.signal_id = t.signal_id`,
    [suppressions.map((_, i) => i), suppressions.map((x) => x.type), suppressions.map((x) => x.signalId), customerId],
  ).options({ name: 'count_suppressions' });
  const counted: (string | null)[] = suppressions.map(() => null);
  for (const r of rows as { ord: number; alert_id: string }[]) counted[r.ord] = r.alert_id;
  return counted;
}

export interface AlertFilter {
  status?: AlertStatus;
  type?: string;
  severity?: string;
  customerId?: string;
  /** Only these customers' alerts (a key limited to them); undefined: everyone's. */
  customerIds?: readonly string[];
}

function applyFilter(q: any, f: AlertFilter) {
  if (f.customerIds) q.whereIn('customer_id', f.customerIds);
  if (f.status) q.where('status', f.status);
  if (f.type) q.where('type', f.type);
  if (f.severity) q.where('severity', f.severity);
  if (f.customerId) q.where('customer_id', f.customerId);
  return q;
}

/** The cursor keeps the database's microseconds: alerts created in the same millisecond stay apart. */
function encodeCursor(createdAtMicros: string, id: string): string {
  return Buffer.from(JSON.stringify([createdAtMicros, id])).toString('base64url');
}

const CURSOR_AT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;
const ALERT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** Exactly what encodeCursor makes, or a 400: a tampered cursor never reaches the database. */
function decodeCursor(cursor: string): [string, string] {
  try {
    if (/^[A-Za-z0-9_-]+$/.test(cursor)) {
      const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      if (Array.isArray(decoded) && decoded.length === 2) {
        const [at, id] = decoded;
        // The instant must be a real one (no 2026-02-31) and the id an alert id.
        if (typeof at === 'string' && CURSOR_AT.test(at) && Date.parse(at) >= 0 && new Date(at).toISOString().slice(0, 23) === at.slice(0, 23) && typeof id === 'string' && ALERT_ID.test(id)) {
          if (encodeCursor(at, id) === cursor) return [at, id];
        }
      }
    }
  } catch {
    // fall through
  }
  throw new InvalidInputError('invalid query', [{ field: 'cursor', reason: 'is not a cursor returned by this API' }]);
}

/** Newest first, keyset-paged so a page stays stable while new alerts arrive. */
export async function listAlerts(db: Db, f: AlertFilter, limit: number, cursor?: string) {
  const q = applyFilter(db('alerts'), f);
  if (cursor) {
    const [at, id] = decodeCursor(cursor);
    q.where((w: any) => w.where('created_at', '<', at).orWhere((w2: any) => w2.where('created_at', '=', at).andWhere('id', '<', id)));
  }
  const rows = await q
    .orderBy([{ column: 'created_at', order: 'desc' }, { column: 'id', order: 'desc' }])
    .limit(limit + 1)
    .select('*', db.raw(`to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS cursor_at`));
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { items: page.map(alertFromRow), nextCursor: rows.length > limit ? encodeCursor(last.cursor_at, last.id) : null };
}

export async function countAlerts(db: Db, f: AlertFilter) {
  const rows = await applyFilter(db('alerts'), f).select('type', 'severity').count({ n: '*' }).groupBy('type', 'severity');
  const byType: Record<string, number> = {};
  const bySeverity: Record<string, number> = {};
  let total = 0;
  for (const r of rows as { type: string; severity: string; n: number }[]) {
    const n = Number(r.n);
    total += n;
    byType[r.type] = (byType[r.type] ?? 0) + n;
    bySeverity[r.severity] = (bySeverity[r.severity] ?? 0) + n;
  }
  return { total, byType, bySeverity };
}

export async function getAlert(db: Db, id: string) {
  const row = await db('alerts').where({ id }).first();
  if (!row) throw new NotFoundError('alert', id);
  const events = await db('alert_events').where({ alert_id: id }).orderBy('id');
  return {
    ...alertFromRow(row),
    timeline: events.map((e: Record<string, any>) => ({ action: e.action, actor: e.actor, note: e.note, data: e.data, at: iso(e.at) })),
  };
}

export async function openAlertsOf(db: Db, customerId: string): Promise<{ id: string; type: AlertType }[]> {
  return db('alerts').where({ customer_id: customerId }).whereNot('status', 'resolved').orderBy('created_at').select('id', 'type');
}

/** Applies a lifecycle action atomically (with its audit row when `audit` is given); a forbidden transition is a ConflictError (409). */
export async function changeAlertStatus(db: Db, id: string, action: AlertAction, actor: string, note: string | null, audit?: AuditTrail): Promise<Alert> {
  return db.transaction(async (trx) => {
    const row = await trx('alerts').where({ id }).forUpdate().first();
    if (!row) throw new NotFoundError('alert', id);
    const to = transition(row.status, action);
    if (!to) {
      throw new ConflictError('invalid_transition', `cannot ${action} an alert that is ${row.status}`, [
        { field: 'status', reason: `is ${row.status}; ${action} is not allowed from it` },
      ]);
    }
    const now = new Date();
    const patch = to === 'acknowledged' ? { acknowledged_at: now, acknowledged_by: actor } : { resolved_at: now, resolved_by: actor };
    const [updated] = await trx('alerts').where({ id }).update({ status: to, ...patch }).returning('*');
    await trx('alert_events').insert({ alert_id: id, action: to, actor, note, at: now });
    await audit?.record(trx, [
      {
        actor,
        action: to === 'acknowledged' ? 'alert.acknowledged' : 'alert.resolved',
        customerId: row.customer_id,
        // Whether a note was left, not the note: free text may name the customer.
        data: { alertId: id, rule: row.type, severity: row.severity, from: row.status, withNote: note !== null && note !== '' },
      },
    ]);
    // The owning workflow hears of it through the durable path: recorded here, sent after commit.
    if (updated.workflow_id) await enqueueWorkflowMessage(trx, alertStatusMessage(updated.workflow_id, id, to));
    return alertFromRow(updated);
  });
}
