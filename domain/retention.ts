// Retention (README "Privacy" → "Retention"): how long each kind of data is kept. Shared by the
// configuration, the purge activity, its workflow and the schedule that starts it; no I/O.

/** The kinds of data with a retention period of their own. */
export const RETENTION_KINDS = [
  /** Signals' text, metadata and location (and what quotes or copies them), by occurred_at. */
  'signalText',
  /** Whole signal rows with their analyses and window points, by occurred_at. */
  'signals',
  /** Outreach messages' body, address and survey link, and the survey comment, by when sent/answered. */
  'outreachMessages',
  /** Outbox records (unsent SMS, e-mails, CRM cases), by created_at. */
  'outbox',
  /** Inbound SMS, by received_at. */
  'inboundMessages',
  /**
   * Webhook receipts and messages already delivered to workflows (what makes redeliveries
   * idempotent), by received_at / done_at; messages still pending are never purged.
   */
  'webhookReceipts',
  /** Resolved alerts and their timeline, by resolved_at. */
  'resolvedAlerts',
] as const;
export type RetentionKind = (typeof RETENTION_KINDS)[number];

export interface RetentionPolicy {
  /** Days to keep each kind; 0 keeps it forever. */
  days: Record<RetentionKind, number>;
  /** Rows per statement: each batch is its own short transaction. */
  batchSize: number;
}

export const DEFAULT_RETENTION_POLICY: RetentionPolicy = {
  days: {
    signalText: 365,
    signals: 730,
    outreachMessages: 180,
    outbox: 90,
    inboundMessages: 90,
    webhookReceipts: 30,
    resolvedAlerts: 730,
  },
  batchSize: 5000,
};

/** How often the `retention-purge` schedule runs, by default. */
export const DEFAULT_RETENTION_INTERVAL_MINUTES = 60;

/** The environment variable that sets each kind's days. */
export const RETENTION_ENV: Record<RetentionKind, string> = {
  signalText: 'RETENTION_SIGNAL_TEXT_DAYS',
  signals: 'RETENTION_SIGNALS_DAYS',
  outreachMessages: 'RETENTION_OUTREACH_MESSAGES_DAYS',
  outbox: 'RETENTION_OUTBOX_DAYS',
  inboundMessages: 'RETENTION_INBOUND_MESSAGES_DAYS',
  webhookReceipts: 'RETENTION_WEBHOOK_RECEIPTS_DAYS',
  resolvedAlerts: 'RETENTION_RESOLVED_ALERTS_DAYS',
};

/**
 * Rows purged by one run, per table and what was done to them. Every key is always present.
 * signalText: signals whose text, metadata and location were cleared; windowPoints: points removed
 * with a cleared location or a deleted signal; outreachMessages: messages anonymised;
 * surveyComments: outreach answers whose comment was cleared; the others: rows deleted.
 */
export interface PurgeCounts {
  signalText: number;
  signals: number;
  analyses: number;
  windowPoints: number;
  outreachMessages: number;
  surveyComments: number;
  outbox: number;
  inboundMessages: number;
  webhookReceipts: number;
  workflowMessages: number;
  resolvedAlerts: number;
  alertEvents: number;
}

export const emptyPurgeCounts = (): PurgeCounts => ({
  signalText: 0,
  signals: 0,
  analyses: 0,
  windowPoints: 0,
  outreachMessages: 0,
  surveyComments: 0,
  outbox: 0,
  inboundMessages: 0,
  webhookReceipts: 0,
  workflowMessages: 0,
  resolvedAlerts: 0,
  alertEvents: 0,
});

export interface PurgeResult {
  counts: PurgeCounts;
  /** Sum of the counts. */
  total: number;
  /** The id of the `retention.purged` audit entry this run left. */
  auditId: number;
}

/** The instant before which a kind is expired, or null when it is kept forever. */
export function retentionCutoff(days: number, nowMs: number): Date | null {
  return days > 0 ? new Date(nowMs - days * 86_400_000) : null;
}
