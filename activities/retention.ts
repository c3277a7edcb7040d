// The retention purge (README "Retention"): removes or anonymises what is older than the policy
// allows, a bounded batch per statement, and records each run in the audit trail. Started by the
// `retention-purge` schedule through retentionPurgeWorkflow.
import { Context } from '@temporalio/activity';
import { CancelledFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import type { Db } from '../db';
import type { AuditTrail } from '../db/audit';
import { emptyPurgeCounts, retentionCutoff, type PurgeCounts, type PurgeResult, type RetentionPolicy } from '../domain/retention';

export interface RetentionDeps {
  db: Db;
  audit: AuditTrail;
}

/**
 * A signal is purged only once the platform is done with it (analysed or withheld, and folded into
 * the window rules), or when it has waited this long anyway: a backfilled signal older than the
 * policy is still analysed first, and a stuck one is not kept forever.
 */
const PROCESSING_GRACE = `interval '1 day'`;

/** One batch: what it did per count, and `rows`, the rows it selected (a full batch: more may be left). */
type Batch = (trx: Knex.Transaction, cutoff: Date, limit: number) => Promise<Partial<PurgeCounts> & { rows: number }>;

/** Ids of expired signals, locked; rows another transaction holds (the window rules) wait for the next run. */
const expiredSignals = (extra: string) => `
  SELECT id FROM signals
  WHERE occurred_at < :cutoff AND (windowed OR received_at < now() - ${PROCESSING_GRACE}) ${extra}
  ORDER BY occurred_at
  LIMIT :limit
  FOR UPDATE SKIP LOCKED`;

/** A batch that deletes a table's rows older than the cutoff by one timestamp column. */
function deleteOlder(table: string, key: string, column: string, counted: keyof PurgeCounts): Batch {
  return async (trx, cutoff, limit) => {
    const r = await trx.raw(
      `DELETE FROM ${table} WHERE ${key} IN (SELECT ${key} FROM ${table} WHERE ${column} < :cutoff ORDER BY ${column} LIMIT :limit FOR UPDATE SKIP LOCKED)`,
      { cutoff, limit },
    );
    return { rows: r.rowCount, [counted]: r.rowCount };
  };
}

const batches: { kind: keyof RetentionPolicy['days']; run: Batch }[] = [
  {
    // Whole signals first: what they take with them needs no clearing below.
    kind: 'signals',
    run: async (trx, cutoff, limit) => {
      const ids: string[] = (await trx.raw(expiredSignals(''), { cutoff, limit })).rows.map((r: { id: string }) => r.id);
      if (ids.length === 0) return { rows: 0 };
      const analyses = await trx('analyses').whereIn('signal_id', ids).delete();
      const windowPoints = await trx('window_points').whereIn('signal_id', ids).delete();
      const signals = await trx('signals').whereIn('id', ids).delete();
      return { rows: ids.length, signals, analyses, windowPoints };
    },
  },
  {
    // The words and whereabouts go; the analysis stays (score, tier, risk components, and each
    // contribution's factor and weight), so the customer's risk history still adds up. An
    // explanation may quote the text ("states an intent to leave: …"): only its head before the
    // first colon stays ("churn risk 0.62"). Window points are copies of the location.
    kind: 'signalText',
    run: async (trx, cutoff, limit) => {
      const ids: string[] = (
        await trx.raw(expiredSignals('AND (text IS NOT NULL OR metadata IS NOT NULL OR location IS NOT NULL)'), { cutoff, limit })
      ).rows.map((r: { id: string }) => r.id);
      if (ids.length === 0) return { rows: 0 };
      await trx('analyses')
        .whereIn('signal_id', ids)
        .update({
          contributions: trx.raw(`(
            SELECT coalesce(jsonb_agg(jsonb_set(c, '{explanation}', to_jsonb(coalesce(split_part(c->>'explanation', ':', 1), '')))), '[]'::jsonb)
            FROM jsonb_array_elements(contributions) c)`),
        });
      const windowPoints = await trx('window_points').whereIn('signal_id', ids).delete();
      const signalText = await trx('signals').whereIn('id', ids).update({ text: null, metadata: null, location: null });
      return { rows: ids.length, signalText, windowPoints };
    },
  },
  {
    // Anonymised, not deleted: the rows still count towards the contact-pressure budget and show in
    // the customer's outreach history (channel, kind, status, when), without address, body or link.
    kind: 'outreachMessages',
    run: async (trx, cutoff, limit) => {
      const messages = await trx.raw(
        `WITH b AS (SELECT id FROM outreach_messages WHERE created_at < :cutoff AND (to_address <> '' OR body <> '' OR survey_link IS NOT NULL)
                    ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED)
         UPDATE outreach_messages m SET to_address = '', body = '', survey_link = NULL FROM b WHERE m.id = b.id`,
        { cutoff, limit },
      );
      const comments = await trx.raw(
        `WITH b AS (SELECT id FROM outreaches WHERE survey_comment IS NOT NULL AND answered_at < :cutoff
                    ORDER BY answered_at LIMIT :limit FOR UPDATE SKIP LOCKED)
         UPDATE outreaches o SET survey_comment = NULL FROM b WHERE o.id = b.id`,
        { cutoff, limit },
      );
      // An escalation alert quotes the answer it escalated; the comment goes, the score stays.
      const quoted = await trx.raw(
        `WITH b AS (SELECT id FROM alerts WHERE type = 'outreach_escalation' AND evidence->'answer'->>'comment' IS NOT NULL AND created_at < :cutoff
                    ORDER BY created_at LIMIT :limit FOR UPDATE SKIP LOCKED)
         UPDATE alerts a SET evidence = jsonb_set(a.evidence, '{answer,comment}', 'null'::jsonb) FROM b WHERE a.id = b.id`,
        { cutoff, limit },
      );
      return {
        rows: Math.max(messages.rowCount, comments.rowCount, quoted.rowCount),
        outreachMessages: messages.rowCount,
        surveyComments: comments.rowCount + quoted.rowCount,
      };
    },
  },
  { kind: 'outbox', run: deleteOlder('outbox', 'id', 'created_at', 'outbox') },
  { kind: 'inboundMessages', run: deleteOlder('inbound_messages', 'id', 'received_at', 'inboundMessages') },
  {
    kind: 'webhookReceipts',
    run: async (trx, cutoff, limit) => {
      const r = await trx.raw(
        `DELETE FROM webhook_receipts WHERE (source, key) IN (
           SELECT source, key FROM webhook_receipts WHERE received_at < :cutoff ORDER BY received_at LIMIT :limit FOR UPDATE SKIP LOCKED)`,
        { cutoff, limit },
      );
      return { rows: r.rowCount, webhookReceipts: r.rowCount };
    },
  },
  {
    // Messages the API handed to workflows (a survey answer with its comment, an alert status):
    // once delivered or abandoned they only guard against a redelivery, like a webhook receipt.
    kind: 'webhookReceipts',
    run: async (trx, cutoff, limit) => {
      const r = await trx.raw(
        `DELETE FROM workflow_messages WHERE id IN (
           SELECT id FROM workflow_messages WHERE status <> 'pending' AND done_at < :cutoff ORDER BY done_at LIMIT :limit FOR UPDATE SKIP LOCKED)`,
        { cutoff, limit },
      );
      return { rows: r.rowCount, workflowMessages: r.rowCount };
    },
  },
  {
    // Only resolved alerts: active and acknowledged ones stay whatever their age.
    kind: 'resolvedAlerts',
    run: async (trx, cutoff, limit) => {
      const ids: string[] = (
        await trx.raw(
          `SELECT id FROM alerts WHERE status = 'resolved' AND resolved_at < :cutoff ORDER BY resolved_at LIMIT :limit FOR UPDATE SKIP LOCKED`,
          { cutoff, limit },
        )
      ).rows.map((r: { id: string }) => r.id);
      if (ids.length === 0) return { rows: 0 };
      const alertEvents = await trx('alert_events').whereIn('alert_id', ids).delete();
      const resolvedAlerts = await trx('alerts').whereIn('id', ids).delete();
      return { rows: ids.length, resolvedAlerts, alertEvents };
    },
  },
];

/** The activity's context, or undefined when called directly (tests, scripts). */
function activityContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined;
  }
}

export function createRetentionActivities({ db, audit }: RetentionDeps) {
  return {
    /**
     * Purges every kind past its retention, one short transaction per batch, until nothing expired
     * is left, then leaves one `retention.purged` audit entry with the counts and the policy —
     * also when nothing was purged, so the trail shows the policy was enforced and since when it
     * reads as it does. Progress is heartbeated: a retry after a crash carries the counts on, so
     * the entry covers everything the run purged.
     */
    async purgeExpired(policy: RetentionPolicy): Promise<PurgeResult> {
      const ctx = activityContext();
      const counts: PurgeCounts = { ...emptyPurgeCounts(), ...(ctx?.info.heartbeatDetails as { counts?: PurgeCounts } | undefined)?.counts };
      const now = Date.now();
      for (const { kind, run } of batches) {
        const cutoff = retentionCutoff(policy.days[kind], now);
        if (!cutoff) continue;
        for (;;) {
          const { rows, ...done } = await db.transaction((trx) => run(trx, cutoff, policy.batchSize));
          for (const [k, v] of Object.entries(done)) counts[k as keyof PurgeCounts] += v ?? 0;
          ctx?.heartbeat({ counts });
          if (ctx?.cancellationSignal.aborted) throw new CancelledFailure('retention purge cancelled');
          if (rows < policy.batchSize) break;
        }
      }
      const total = Object.values(counts).reduce((s, v) => s + v, 0);
      const [row] = await audit.record(db, [{ actor: 'system', action: 'retention.purged', data: { counts, total, policy: { days: policy.days, batchSize: policy.batchSize } } }]);
      return { counts, total, auditId: row.id };
    },
  };
}
