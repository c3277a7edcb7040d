import type { Db } from '.';
import { DEFAULT_CONSENTS, type Consents } from '../domain/consent';
import type { JourneySnapshot } from '../domain/messages';
import type { CustomerSignal, SignalAnalysis } from '../domain/types';
import { backoffSql } from './workflow-messages';

export type AcceptStatus = 'accepted' | 'duplicate' | 'conflict';

export interface SignalToRecord {
  signal: CustomerSignal;
  payloadHash: string;
  workflowId: string;
}

/**
 * Records signals durably. A known id with the same payload is a duplicate (accepted
 * once, never processed twice); a known id with another payload is a conflict.
 */
export async function recordSignals(db: Db, items: SignalToRecord[]): Promise<AcceptStatus[]> {
  if (items.length === 0) return [];
  const firstIndex = new Map<string, number>();
  items.forEach((it, i) => firstIndex.has(it.signal.id) || firstIndex.set(it.signal.id, i));
  const unique = [...firstIndex.values()].map((i) => items[i]);
  const inserted = await db('signals')
    .insert(unique.map(toRow))
    .onConflict('id')
    .ignore()
    .returning('id');
  const insertedIds = new Set(inserted.map((r: { id: string }) => r.id));
  // What this statement inserted carries the hash it was given; only ids it found already stored are looked up.
  const hashOf = new Map(unique.filter((it) => insertedIds.has(it.signal.id)).map((it) => [it.signal.id, it.payloadHash]));
  const stored = unique.filter((it) => !insertedIds.has(it.signal.id)).map((it) => it.signal.id);
  if (stored.length > 0) {
    const known = await db('signals').whereIn('id', stored).select('id', 'payload_hash');
    for (const r of known as { id: string; payload_hash: string }[]) hashOf.set(r.id, r.payload_hash);
  }
  return items.map((it, i) => {
    if (hashOf.get(it.signal.id) !== it.payloadHash) return 'conflict';
    return insertedIds.has(it.signal.id) && firstIndex.get(it.signal.id) === i ? 'accepted' : 'duplicate';
  });
}

function toRow({ signal: s, payloadHash, workflowId }: SignalToRecord) {
  return {
    id: s.id,
    customer_id: s.customerId,
    type: s.type,
    channel: s.channel,
    text: s.text,
    language: s.language,
    occurred_at: s.occurredAt,
    location: s.location ? JSON.stringify(s.location) : null,
    root_cause: s.rootCause,
    upstream_analysis: s.analysis ? JSON.stringify(s.analysis) : null,
    metadata: s.metadata ? JSON.stringify(s.metadata) : null,
    payload_hash: payloadHash,
    workflow_id: workflowId,
  };
}

export function signalFromRow(r: Record<string, any>): CustomerSignal {
  return {
    id: r.id,
    customerId: r.customer_id,
    type: r.type,
    channel: r.channel,
    text: r.text,
    language: r.language,
    occurredAt: new Date(r.occurred_at).toISOString(),
    location: r.location,
    rootCause: r.root_cause,
    analysis: r.upstream_analysis,
    metadata: r.metadata,
  };
}

export async function markDelivered(db: Db, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db('signals')
    .whereIn('id', ids)
    .update({ delivery_status: 'delivered', delivered_at: db.fn.now(), delivery_attempts: db.raw('delivery_attempts + 1'), last_delivery_error: null });
}

export async function markDeliveryFailed(db: Db, ids: string[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await db('signals')
    .whereIn('id', ids)
    .where('delivery_status', 'pending')
    .update({ delivery_attempts: db.raw('delivery_attempts + 1'), last_delivery_error: error.slice(0, 500), next_attempt_at: db.raw(backoffSql('delivery_attempts')) });
}

/**
 * Claims up to `limit` undelivered signals received more than `olderThanMs` ago and due for an
 * attempt, oldest first: rows another sweeper holds are skipped (SKIP LOCKED), and the claimed ones
 * are not due again for `leaseMs`, so replicas never deliver the same row at once and a failed row
 * waits out its backoff (set by markDeliveryFailed) instead of coming back on every sweep.
 */
export async function claimDueSignals(db: Db, olderThanMs: number, limit: number, leaseMs: number): Promise<{ signal: CustomerSignal; workflowId: string }[]> {
  const { rows } = await db.raw(
    `UPDATE signals SET next_attempt_at = now() + ? * interval '1 millisecond'
      WHERE id IN (SELECT id FROM signals
                    WHERE delivery_status = 'pending' AND received_at < ? AND (next_attempt_at IS NULL OR next_attempt_at <= now())
                    ORDER BY received_at LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING *`,
    [leaseMs, new Date(Date.now() - olderThanMs), limit],
  );
  return (rows as Record<string, any>[])
    .sort((a, b) => new Date(a.received_at).getTime() - new Date(b.received_at).getTime())
    .map((r) => ({ signal: signalFromRow(r), workflowId: r.workflow_id }));
}

export async function getSignal(db: Db, id: string) {
  const row = await db('signals').where({ id }).first();
  if (!row) return null;
  const a = await db('analyses').where({ signal_id: id }).first();
  return {
    signal: { ...signalFromRow(row), receivedAt: new Date(row.received_at).toISOString(), deliveryStatus: row.delivery_status },
    analysis: a ? analysisFromRow(a) : null,
    // Recorded but deliberately not analysed (e.g. `no_analysis_consent`): why there is no analysis.
    analysisWithheld: (row.analysis_withheld as string | null) ?? null,
  };
}

/**
 * Keeps signals for the record without analysing them (no alert, no score, no window rule). They
 * are marked windowed too, so they never hold the window rules' watermark back.
 */
export async function withholdAnalysis(db: Db, signalIds: string[], reason: string): Promise<string[]> {
  if (signalIds.length === 0) return [];
  const rows = await db('signals').whereIn('id', signalIds).whereNull('analysis_withheld').update({ analysis_withheld: reason, windowed: true }).returning('id');
  return rows.map((r: { id: string }) => r.id); // only the newly withheld: a retry records nothing twice
}

/** What analysisFromRow reads, by name (a named statement lists its columns: see db/index.ts). */
const ANALYSIS_COLUMNS = ['signal_id', 'language', 'sentiment', 'label', 'root_cause', 'legal_threat', 'risk', 'score', 'tier', 'contributions', 'model_version', 'source', 'upstream_fields']
  .map((c) => `a.${c}`)
  .join(', ');

export function analysisFromRow(a: Record<string, any>): SignalAnalysis & { upstreamFields: string[] } {
  return {
    language: a.language,
    sentiment: a.sentiment,
    label: a.label,
    rootCause: a.root_cause,
    legalThreat: a.legal_threat,
    risk: a.risk,
    score: a.score,
    tier: a.tier,
    contributions: a.contributions,
    modelVersion: a.model_version,
    source: a.source,
    upstreamFields: a.upstream_fields,
  };
}

/** Stored analyses of the given signals, by signal id. */
/**
 * What a batch needs from the database, in one statement: the customer's consents (asked on every
 * batch, so a withdrawal counts from the next one), analyses an earlier attempt stored, and when the
 * API received each signal (for the analysis-latency metric).
 */
export async function batchContextOf(db: Db, customerId: string, signalIds: string[], withSnapshot = false) {
  const stored = new Map<string, SignalAnalysis & { upstreamFields: string[] }>();
  const receivedAt = new Map<string, Date>();
  const { rows } = await db.raw(
    `SELECT c.consents AS customer_consents, ${withSnapshot ? 'c.journey_snapshot' : 'NULL::jsonb'} AS customer_snapshot, s.id AS received_signal_id, s.received_at AS received_at, ${ANALYSIS_COLUMNS}
       FROM (SELECT 1) one
       LEFT JOIN customers c ON c.id = ?
       LEFT JOIN signals s ON s.id = ANY(?::text[])
       LEFT JOIN analyses a ON a.signal_id = s.id`,
    [customerId, signalIds],
  ).options({ name: withSnapshot ? 'batch_context_resuming' : 'batch_context' });
  for (const r of rows as Record<string, any>[]) {
    if (r.received_signal_id) receivedAt.set(r.received_signal_id, new Date(r.received_at));
    if (r.signal_id) stored.set(r.signal_id, analysisFromRow(r));
  }
  const consents: Consents = { ...DEFAULT_CONSENTS, ...(rows[0]?.customer_consents ?? {}) };
  // Asked for on a journey's first batch of a run: what an earlier run saved (null: nothing).
  const snapshot: JourneySnapshot | null | undefined = withSnapshot ? (rows[0]?.customer_snapshot ?? null) : undefined;
  return { consents, stored, receivedAt, snapshot };
}

/** Stores analyses once; a retry or redelivery leaves the first one in place. */
export async function saveAnalyses(db: Db, items: { signalId: string; customerId: string; analysis: SignalAnalysis & { upstreamFields: string[] } }[]) {
  if (items.length === 0) return;
  await db('analyses')
    .insert(
      items.map(({ signalId, customerId, analysis: a }) => ({
        signal_id: signalId,
        customer_id: customerId,
        language: a.language,
        sentiment: a.sentiment,
        label: a.label,
        root_cause: a.rootCause,
        legal_threat: a.legalThreat,
        risk: JSON.stringify(a.risk),
        score: a.score,
        tier: a.tier,
        contributions: JSON.stringify(a.contributions),
        model_version: a.modelVersion,
        source: a.source,
        upstream_fields: JSON.stringify(a.upstreamFields),
      })),
    )
    .onConflict('signal_id')
    .ignore();
}

/**
 * A customer's newest `limit` signals with their analyses, oldest first: the console's risk score
 * over time and its list of signals.
 */
export async function listCustomerSignals(db: Db, customerId: string, limit: number) {
  const rows = await db('signals as s')
    .leftJoin('analyses as a', 'a.signal_id', 's.id')
    .where('s.customer_id', customerId)
    .orderBy([{ column: 's.occurred_at', order: 'desc' }, { column: 's.id', order: 'desc' }])
    .limit(limit)
    .select('s.*', 'a.signal_id as a_signal_id', 'a.language as a_language', 'a.sentiment', 'a.label', 'a.root_cause as a_root_cause', 'a.legal_threat', 'a.risk', 'a.score', 'a.tier', 'a.contributions', 'a.model_version', 'a.source', 'a.upstream_fields');
  return (rows as Record<string, any>[]).reverse().map((r) => ({
    signal: { ...signalFromRow(r), receivedAt: new Date(r.received_at).toISOString() },
    analysis: r.a_signal_id ? analysisFromRow({ ...r, language: r.a_language, root_cause: r.a_root_cause }) : null,
    analysisWithheld: (r.analysis_withheld as string | null) ?? null,
  }));
}
