// Messages from the API to workflows, stored before they are sent (see the migration).
import type { Db } from '.';
import { alertStatusChanged } from '../domain/messages';
import { messageUndeliverable, surveyAnswered, type SurveyAnswer } from '../domain/outreach-messages';
import type { AlertStatus } from '../domain/types';

export interface WorkflowMessage {
  key: string;
  workflowId: string;
  signalName: string;
  args: unknown[];
}

/** Failed attempts wait 1 s, 2 s, 4 s … up to this before the next one. */
export const MAX_BACKOFF_SECONDS = 300;

/** The backoff after a failed attempt, in SQL, from the attempts counted before it. */
export const backoffSql = (attemptsColumn: string) =>
  `now() + interval '1 second' * least(${MAX_BACKOFF_SECONDS}, power(2, least(${attemptsColumn}, 16)))`;

/**
 * Records a message in the caller's transaction (the one that makes the change it announces);
 * the same key again records nothing. Returns the key to hand to the gateway after commit.
 */
export async function enqueueWorkflowMessage(db: Db, m: WorkflowMessage): Promise<string> {
  await db('workflow_messages')
    .insert({ key: m.key, workflow_id: m.workflowId, signal_name: m.signalName, args: JSON.stringify(m.args) })
    .onConflict('key')
    .ignore();
  return m.key;
}

const fromRow = (r: Record<string, any>): WorkflowMessage => ({ key: r.key, workflowId: r.workflow_id, signalName: r.signal_name, args: r.args });

/** The still pending messages among these keys (what to send right after commit). */
export async function pendingMessagesByKey(db: Db, keys: string[]): Promise<WorkflowMessage[]> {
  if (keys.length === 0) return [];
  const rows = await db('workflow_messages').whereIn('key', keys).where('status', 'pending').orderBy('id');
  return rows.map(fromRow);
}

/**
 * Claims up to `limit` due messages for one sweep: rows another sweeper holds are skipped, and the
 * claimed ones are not due again for `leaseMs` (another replica takes them over only if this one
 * died mid-delivery). Oldest first.
 */
export async function claimDueMessages(db: Db, olderThanMs: number, limit: number, leaseMs: number): Promise<WorkflowMessage[]> {
  const { rows } = await db.raw(
    `UPDATE workflow_messages SET next_attempt_at = now() + ? * interval '1 millisecond'
      WHERE id IN (SELECT id FROM workflow_messages
                    WHERE status = 'pending' AND next_attempt_at <= now() AND created_at < ?
                    ORDER BY next_attempt_at, id LIMIT ? FOR UPDATE SKIP LOCKED)
      RETURNING id, key, workflow_id, signal_name, args`,
    [leaseMs, new Date(Date.now() - olderThanMs), limit],
  );
  return (rows as Record<string, any>[]).sort((a, b) => Number(a.id) - Number(b.id)).map(fromRow);
}

export async function markMessagesDelivered(db: Db, keys: string[]): Promise<void> {
  if (keys.length === 0) return;
  await db('workflow_messages')
    .whereIn('key', keys)
    .update({
      status: db.raw(`case when status = 'pending' then 'delivered' else status end`),
      attempts: db.raw('attempts + 1'),
      delivered_count: db.raw('delivered_count + 1'),
      last_error: null,
      done_at: db.raw('coalesce(done_at, now())'),
    });
}

/** A failed attempt: retried after a backoff that doubles with each failure. */
export async function markMessageFailed(db: Db, key: string, error: string): Promise<void> {
  await db('workflow_messages')
    .where({ key, status: 'pending' })
    .update({ attempts: db.raw('attempts + 1'), last_error: error.slice(0, 500), next_attempt_at: db.raw(backoffSql('attempts')) });
}

/** The workflow no longer exists: nobody is waiting for the message (the database has the fact). */
export async function markMessageAbandoned(db: Db, key: string, error: string): Promise<void> {
  await db('workflow_messages')
    .where({ key, status: 'pending' })
    .update({ status: 'abandoned', attempts: db.raw('attempts + 1'), last_error: error.slice(0, 500), done_at: db.fn.now() });
}

// The messages and their idempotency keys: one per fact, so recording it twice sends it once.
export const alertStatusMessageKey = (alertId: string, status: string) => `alertStatusChanged/${alertId}/${status}`;

export const alertStatusMessage = (workflowId: string, alertId: string, status: AlertStatus): WorkflowMessage => ({
  key: alertStatusMessageKey(alertId, status),
  workflowId,
  signalName: alertStatusChanged.name,
  args: [{ alertId, status }],
});

export const surveyAnsweredMessage = (workflowId: string, outreachId: string, answer: SurveyAnswer): WorkflowMessage => ({
  key: `surveyAnswered/${outreachId}`,
  workflowId,
  signalName: surveyAnswered.name,
  args: [answer],
});

export const undeliverableMessage = (workflowId: string, messageId: string, errorCode: string | null): WorkflowMessage => ({
  key: `messageUndeliverable/${messageId}`,
  workflowId,
  signalName: messageUndeliverable.name,
  args: [{ messageId, errorCode }],
});
