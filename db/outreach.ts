// Outreach runs and their messages.
import type { Db } from '.';
import type { SentMessage } from '../domain/outreach';
import type { SurveyAnswer } from '../domain/outreach-messages';

const iso = (d: Date | string | null | undefined) => (d ? new Date(d).toISOString() : null);

export interface OutreachRow {
  id: string;
  customerId: string;
  seq: number;
  workflowId: string | null;
  status: 'running' | 'completed' | 'skipped';
  skipReason: string | null;
  channel: string | null;
  trigger: Record<string, unknown>;
  startedAt: string;
  endedAt: string | null;
  answer: SurveyAnswer | null;
  escalation: { reason: string; alertId: string | null; crmCaseId: string | null; at: string | null } | null;
  outcome: string | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
  outcomeDetail: Record<string, unknown> | null;
}

export function outreachFromRow(r: Record<string, any>): OutreachRow {
  return {
    id: r.id,
    customerId: r.customer_id,
    seq: r.seq,
    workflowId: r.workflow_id,
    status: r.status,
    skipReason: r.skip_reason,
    channel: r.channel,
    trigger: r.trigger,
    startedAt: iso(r.started_at)!,
    endedAt: iso(r.ended_at),
    answer:
      r.survey_score === null || r.survey_score === undefined
        ? null
        : { score: r.survey_score, comment: r.survey_comment, via: r.answered_via, answeredAt: iso(r.answered_at)! },
    escalation: r.escalation_reason
      ? { reason: r.escalation_reason, alertId: r.escalation_alert_id, crmCaseId: r.crm_case_id, at: iso(r.escalated_at) }
      : null,
    outcome: r.outcome,
    resolvedBy: r.resolved_by,
    resolvedAt: iso(r.resolved_at),
    outcomeDetail: r.outcome_detail,
  };
}

export async function getOutreach(db: Db, id: string): Promise<OutreachRow | null> {
  const r = await db('outreaches').where({ id }).first();
  return r ? outreachFromRow(r) : null;
}

export async function hasOpenLegalThreat(db: Db, customerId: string): Promise<boolean> {
  return !!(await db('alerts').where({ customer_id: customerId, type: 'legal_threat' }).whereNot('status', 'resolved').first('id'));
}

/** Messages that reached (or are on their way to) the customer recently: the contact-pressure budget. */
export async function recentContacts(db: Db, customerId: string, sinceMs: number, exceptId?: string): Promise<SentMessage[]> {
  const q = db('outreach_messages')
    .where({ customer_id: customerId })
    .whereNotIn('status', ['failed', 'undelivered'])
    .where('created_at', '>=', new Date(sinceMs));
  if (exceptId) q.whereNot('id', exceptId);
  const rows = await q.select('kind', 'created_at');
  return rows.map((r: Record<string, any>) => ({ kind: r.kind, at: new Date(r.created_at).getTime() }));
}

export interface OutreachMessage {
  id: string;
  outreachId: string;
  kind: string;
  channel: string;
  provider: string;
  to: string;
  body: string;
  surveyLink: string | null;
  providerId: string | null;
  status: string;
  errorCode: string | null;
  createdAt: string;
  statusAt: string | null;
}

export function messageFromRow(r: Record<string, any>): OutreachMessage {
  return {
    id: r.id,
    outreachId: r.outreach_id,
    kind: r.kind,
    channel: r.channel,
    provider: r.provider,
    to: r.to_address,
    body: r.body,
    surveyLink: r.survey_link,
    providerId: r.provider_id,
    status: r.status,
    errorCode: r.error_code,
    createdAt: iso(r.created_at)!,
    statusAt: iso(r.status_at),
  };
}

/** A customer's outreach runs, newest first, each with its messages. */
export async function listOutreach(db: Db, customerId: string, limit = 50) {
  const rows = await db('outreaches').where({ customer_id: customerId }).orderBy('seq', 'desc').limit(limit);
  const ids = rows.map((r: { id: string }) => r.id);
  const msgs = ids.length ? await db('outreach_messages').whereIn('outreach_id', ids).orderBy('created_at') : [];
  return rows.map((r: Record<string, any>) => ({
    ...outreachFromRow(r),
    messages: msgs.filter((m: Record<string, any>) => m.outreach_id === r.id).map(messageFromRow),
  }));
}

/** Stores the survey answer once; a second answer for the same outreach is refused. */
export async function recordSurveyAnswer(db: Db, outreachId: string, a: SurveyAnswer): Promise<'recorded' | 'already_answered' | 'not_found'> {
  const n = await db('outreaches')
    .where({ id: outreachId })
    .whereNull('survey_score')
    .update({ survey_score: a.score, survey_comment: a.comment, answered_via: a.via, answered_at: a.answeredAt });
  if (n === 1) return 'recorded';
  return (await db('outreaches').where({ id: outreachId }).first('id')) ? 'already_answered' : 'not_found';
}

/** The newest survey sent to this number that is still unanswered (for a numeric SMS reply). */
export async function openSurveyForPhone(db: Db, phone: string): Promise<{ outreachId: string; workflowId: string; customerId: string; sentAt: number } | null> {
  const r = await db('outreach_messages as m')
    .join('outreaches as o', 'o.id', 'm.outreach_id')
    .where({ 'm.to_address': phone, 'm.kind': 'survey', 'o.status': 'running' })
    .whereNull('o.survey_score')
    .orderBy('m.created_at', 'desc')
    .first('o.id', 'o.workflow_id', 'o.customer_id', 'm.created_at');
  return r ? { outreachId: r.id, workflowId: r.workflow_id, customerId: r.customer_id, sentAt: new Date(r.created_at).getTime() } : null;
}

const STATUS_RANK: Record<string, number> = { sending: 0, recorded: 1, accepted: 1, queued: 1, sending_provider: 2, sent: 3, delivered: 4, read: 5, undelivered: 4, failed: 4 };

/** A delivery status from Twilio; an older status arriving late never overwrites a newer one. */
export async function updateMessageStatus(db: Db, providerId: string, status: string, errorCode: string | null): Promise<OutreachMessage | null> {
  return db.transaction(async (trx) => {
    const row = await trx('outreach_messages').where({ provider_id: providerId }).forUpdate().first();
    if (!row) return null;
    if ((STATUS_RANK[status] ?? 1) >= (STATUS_RANK[row.status] ?? 0)) {
      const [updated] = await trx('outreach_messages')
        .where({ id: row.id })
        .update({ status, error_code: errorCode ?? row.error_code, status_at: trx.fn.now() })
        .returning('*');
      return messageFromRow(updated);
    }
    return messageFromRow(row);
  });
}

export async function outreachByCaseId(db: Db, caseId: string): Promise<OutreachRow | null> {
  const r = await db('outreaches').where({ crm_case_id: caseId }).first();
  return r ? outreachFromRow(r) : null;
}

/** Engagement KPIs over all outreach runs that sent a survey. */
export async function outreachKpis(db: Db) {
  const r = await db('outreaches')
    .whereNot('status', 'skipped')
    .select(
      db.raw('count(*)::int as started'),
      db.raw('count(survey_score)::int as answered'),
      db.raw(`count(*) filter (where outcome = 'recovered')::int as recovered`),
      db.raw(`count(*) filter (where outcome = 'churned')::int as churned`),
      db.raw(`count(escalation_reason)::int as escalated`),
      db.raw(`count(*) filter (where escalation_reason = 'no_answer')::int as no_answer`),
      db.raw(`percentile_cont(0.5) within group (order by extract(epoch from resolved_at - escalated_at)) as median_resolution_s`),
    )
    .first();
  const skipped = await db('outreaches').where({ status: 'skipped' }).count({ n: '*' }).first();
  return {
    started: r.started,
    skipped: Number(skipped?.n ?? 0),
    answered: r.answered,
    engagementRate: r.started ? r.answered / r.started : null,
    recovered: r.recovered,
    churned: r.churned,
    escalated: r.escalated,
    noAnswer: r.no_answer,
    medianTimeToResolutionSeconds: r.median_resolution_s === null ? null : Number(r.median_resolution_s),
  };
}

/**
 * How long a claim on a provider call holds: longer than any attempt can run (the activity's
 * start-to-close timeout and the SDKs' request timeouts are 30 s). A claim older than this belongs
 * to an attempt that died without releasing it.
 */
export const PROVIDER_CLAIM_LEASE_MS = 120_000;

/** Whether a claim is held, by the database's clock (workers' clocks may differ). */
const heldSince = (db: Db, token: string, at: string, leaseMs: number) =>
  db.raw(`(?? is not null and ?? > clock_timestamp() - ?::interval) as held`, [token, at, `${leaseMs} milliseconds`]);

export type MessageClaim =
  | { state: 'claimed'; token: string; row: Record<string, any>; /** When an earlier attempt started its provider call: it may have been accepted. */ attemptedAt: Date | null }
  | { state: 'done'; row: Record<string, any> }
  | { state: 'busy' };

/** Claims a 'sending' message row for one provider call, unless it is done or another attempt holds it. */
export async function claimMessage(db: Db, messageId: string, token: string, leaseMs = PROVIDER_CLAIM_LEASE_MS): Promise<MessageClaim> {
  return db.transaction(async (trx) => {
    const row = await trx('outreach_messages').where({ id: messageId }).forUpdate().first('*', heldSince(trx, 'claim_token', 'claimed_at', leaseMs));
    if (!row) throw new Error(`message ${messageId} does not exist`);
    if (row.status !== 'sending') return { state: 'done' as const, row };
    if (row.held) return { state: 'busy' as const };
    await trx('outreach_messages').where({ id: messageId }).update({ claim_token: token, claimed_at: trx.raw('clock_timestamp()') });
    return { state: 'claimed' as const, token, row, attemptedAt: row.claimed_at ? new Date(row.claimed_at) : null };
  });
}

/** An attempt that failed lets go of its claim; claimed_at stays, so the next attempt asks the provider first. */
export async function releaseMessageClaim(db: Db, messageId: string, token: string): Promise<void> {
  await db('outreach_messages').where({ id: messageId, claim_token: token }).update({ claim_token: null });
}

export type CaseClaim = { state: 'claimed' } | { state: 'done'; caseId: string } | { state: 'busy' };

/** Claims the right to look up and create the CRM case of this outreach's escalation. */
export async function claimCase(db: Db, outreachId: string, token: string, leaseMs = PROVIDER_CLAIM_LEASE_MS): Promise<CaseClaim> {
  return db.transaction(async (trx) => {
    const row = await trx('outreaches').where({ id: outreachId }).forUpdate().first('crm_case_id', heldSince(trx, 'crm_case_claim', 'crm_case_claimed_at', leaseMs));
    if (!row) throw new Error(`outreach ${outreachId} does not exist`);
    if (row.crm_case_id) return { state: 'done' as const, caseId: row.crm_case_id as string };
    if (row.held) return { state: 'busy' as const };
    await trx('outreaches').where({ id: outreachId }).update({ crm_case_claim: token, crm_case_claimed_at: trx.raw('clock_timestamp()') });
    return { state: 'claimed' as const };
  });
}

/** Stores the case id (when given) and lets go of the claim. */
export async function releaseCaseClaim(db: Db, outreachId: string, token: string, caseId?: string): Promise<void> {
  await db('outreaches')
    .where({ id: outreachId, crm_case_claim: token })
    .update({ crm_case_claim: null, ...(caseId ? { crm_case_id: caseId } : {}) });
}
