// Risk segments in the database: the features a customer is judged on (one statement), their
// stored segment, the bulk re-evaluation after a criteria change, and the views behind
// GET /v1/segments and GET /v1/customers.
import type { Knex } from 'knex';
import type { Db } from '.';
import type { AuditEvent } from './audit';
import { InvalidInputError } from '../domain/errors';
import { assignSegment, SEGMENT_CRITERIA_VERSION, SEGMENTS, trendOf, type SegmentFeatures } from '../domain/segments';
import type { RiskTier, SignalType } from '../domain/types';

type Conn = Db | Knex.Transaction;

interface FeatureRow {
  tier: RiskTier | null;
  score: number | null;
  before: number | null;
  types: SignalType[] | null;
  legal: boolean;
  jurisdiction: string | null;
  customer_type: SegmentFeatures['customerType'];
  segment: string | null;
  segment_version: string | null;
  risk_tier: RiskTier | null;
  risk_score: number | null;
  row_id: string | null;
}

interface Stored {
  segment: string | null;
  version: string | null;
  tier: RiskTier | null;
  score: number | null;
}

async function featuresOf(db: Conn, customerId: string): Promise<{ f: SegmentFeatures; score: number | null; current: Stored | null }> {
  const { rows } = await db.raw<{ rows: FeatureRow[] }>(
    `WITH latest AS (
       SELECT a.score, a.tier, s.occurred_at FROM analyses a JOIN signals s ON s.id = a.signal_id
        WHERE s.customer_id = :c ORDER BY s.occurred_at DESC, s.id DESC LIMIT 1)
     SELECT l.tier, l.score,
       (SELECT avg(a.score) FROM analyses a JOIN signals s ON s.id = a.signal_id
         WHERE s.customer_id = :c AND s.occurred_at >= l.occurred_at - interval '7 days' AND s.occurred_at < l.occurred_at) AS before,
       (SELECT array_agg(DISTINCT s.type) FROM signals s
         WHERE s.customer_id = :c AND s.analysis_withheld IS NULL AND s.occurred_at >= coalesce(l.occurred_at, now()) - interval '30 days') AS types,
       EXISTS (SELECT 1 FROM alerts WHERE customer_id = :c AND type = 'legal_threat' AND status <> 'resolved') AS legal,
       c.jurisdiction, c.customer_type, c.segment, c.segment_version, c.risk_tier, c.risk_score, c.id AS row_id
     FROM (SELECT 1) one LEFT JOIN latest l ON true LEFT JOIN customers c ON c.id = :c`,
    { c: customerId },
  ).options({ name: 'segment_features' });
  const r = rows[0];
  return {
    f: {
      tier: r.tier ?? null,
      trend: trendOf(r.score === null ? null : Number(r.score), r.before === null ? null : Number(r.before)),
      recentSignalTypes: r.types ?? [],
      jurisdiction: r.jurisdiction,
      customerType: r.customer_type,
      openLegalThreat: r.legal,
    },
    score: r.score === null ? null : Number(r.score),
    // null: no customers row yet.
    current: r.row_id === null ? null : { segment: r.segment, version: r.segment_version, tier: r.risk_tier, score: r.risk_score === null ? null : Number(r.risk_score) },
  };
}

/**
 * Judges the customer against the current criteria and stores the result. A change (of segment or
 * of criteria version) comes back as an audit event with the features that decided it, for the
 * caller to record with its own events, in one append.
 */
export async function evaluateSegment(db: Conn, customerId: string): Promise<{ segment: string; changed: boolean; events: AuditEvent[] }> {
  const { f, score, current } = await featuresOf(db, customerId);
  const segment = assignSegment(f);
  const cols = { segment, segment_version: SEGMENT_CRITERIA_VERSION, segment_at: new Date(), risk_tier: f.tier, risk_score: score };
  const changed = current?.segment !== segment || current?.version !== SEGMENT_CRITERIA_VERSION;
  // Most batches change nothing here: write only when the segment or the risk it was judged on moved.
  if (!current || changed || current.tier !== f.tier || current.score !== score) {
    await db('customers')
      .insert({ id: customerId, ...cols })
      .onConflict('id')
      .merge(changed ? cols : { risk_tier: f.tier, risk_score: score });
  }
  const events: AuditEvent[] = changed
    ? [{ actor: 'system', action: 'segment.changed', customerId, data: { from: current?.segment ?? null, to: segment, version: SEGMENT_CRITERIA_VERSION, features: { ...f } } }]
    : [];
  return { segment, changed, events };
}

/** Customers judged under other criteria (or never, though they have signals), a page at a time. */
export async function staleSegments(db: Db, limit: number): Promise<string[]> {
  const rows = await db
    .select('id')
    .from(
      db('customers')
        .select('id')
        .where((q) => q.whereNull('segment_version').orWhereNot('segment_version', SEGMENT_CRITERIA_VERSION))
        .union((q) => q.distinct('s.customer_id as id').from('signals as s').leftJoin('customers as c', 'c.id', 's.customer_id').whereNull('c.id'))
        .as('stale'),
    )
    .orderBy('id')
    .limit(limit);
  return rows.map((r: { id: string }) => r.id);
}

/** Definitions with their members and the NPS their survey answers give. */
export async function segmentOverview(db: Db, customerIds?: readonly string[]) {
  const scope = (q: Knex.QueryBuilder, col: string) => (customerIds ? q.whereIn(col, customerIds) : q);
  const counts = await scope(db('customers').whereNotNull('segment'), 'id').select('segment').count({ n: '*' }).groupBy('segment');
  const nps = await scope(db('outreaches as o').join('customers as c', 'c.id', 'o.customer_id').whereNotNull('o.survey_score'), 'c.id')
    .select('c.segment')
    .count({ answers: '*' })
    .select(db.raw('sum(CASE WHEN o.survey_score >= 9 THEN 1 ELSE 0 END)::int AS promoters'))
    .select(db.raw('sum(CASE WHEN o.survey_score <= 6 THEN 1 ELSE 0 END)::int AS detractors'))
    .groupBy('c.segment');
  const countOf = new Map(counts.map((r: { segment: string; n: number }) => [r.segment, Number(r.n)]));
  type NpsRow = { segment: string; answers: number; promoters: number; detractors: number };
  const npsOf = new Map<string, NpsRow>(nps.map((r: NpsRow) => [r.segment, r]));
  return {
    version: SEGMENT_CRITERIA_VERSION,
    items: SEGMENTS.map((d) => {
      const n = npsOf.get(d.id);
      const answers = Number(n?.answers ?? 0);
      return {
        ...d,
        customers: countOf.get(d.id) ?? 0,
        nps: { answers, score: answers ? Math.round(((Number(n!.promoters) - Number(n!.detractors)) / answers) * 100) : null },
      };
    }),
  };
}

function encodeCursor(id: string): string {
  return Buffer.from(JSON.stringify(['c', id])).toString('base64url');
}

function decodeCursor(cursor: string): string {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(v) && v.length === 2 && v[0] === 'c' && typeof v[1] === 'string' && encodeCursor(v[1]) === cursor) return v[1];
  } catch {
    // fall through
  }
  throw new InvalidInputError('invalid query', [{ field: 'cursor', reason: 'is not a cursor returned by this API' }]);
}

/** Customers by segment and tier, in id order, keyset-paged. */
export async function listCustomers(db: Db, f: { segment?: string; tier?: string; customerIds?: readonly string[] }, limit: number, cursor?: string) {
  const q = db('customers').orderBy('id').limit(limit + 1);
  if (f.segment) q.where({ segment: f.segment });
  if (f.tier) q.where({ risk_tier: f.tier });
  if (f.customerIds) q.whereIn('id', f.customerIds);
  if (cursor) q.where('id', '>', decodeCursor(cursor));
  const rows = await q.select('id', 'segment', 'segment_version', 'segment_at', 'risk_tier', 'risk_score', 'jurisdiction', 'customer_type');
  const page = rows.slice(0, limit);
  return {
    items: page.map((r: Record<string, any>) => ({
      id: r.id,
      segment: r.segment,
      segmentVersion: r.segment_version,
      segmentAt: r.segment_at ? new Date(r.segment_at).toISOString() : null,
      tier: r.risk_tier,
      score: r.risk_score,
      jurisdiction: r.jurisdiction,
      customerType: r.customer_type,
    })),
    nextCursor: rows.length > limit ? encodeCursor(page[page.length - 1].id) : null,
  };
}

/** The customer's stored segment, the criteria version that put them there and when; null before the first judgement. */
export async function segmentOf(db: Db, customerId: string): Promise<{ id: string; version: string; at: string } | null> {
  const r = await db('customers').where({ id: customerId }).first('segment', 'segment_version', 'segment_at');
  return r?.segment ? { id: r.segment, version: r.segment_version, at: new Date(r.segment_at).toISOString() } : null;
}
