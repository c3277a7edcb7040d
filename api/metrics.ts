import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Db } from '../db';

/**
 * What the platform does, counted in whichever process does it: the API (ingest, lifecycle,
 * survey answers) and the worker (analysis, alerts, outreach, notifications). One registry per
 * process; the API's /metrics and the worker's metrics listener both expose it.
 */
export const platformRegistry = new Registry();
const registers = [platformRegistry];

export const platformMetrics = {
  signals: new Counter({
    name: 'signals_total',
    help: 'Signals by type and outcome: accepted, duplicate, conflict (API); analysed, analysis_withheld (worker)',
    labelNames: ['type', 'outcome'],
    registers,
  }),
  analysisWithheld: new Counter({
    name: 'signals_analysis_withheld_total',
    help: 'Signals kept without analysis, by reason (no_analysis_consent, processing_failed)',
    labelNames: ['reason'],
    registers,
  }),
  analysisLatency: new Histogram({
    name: 'signal_analysis_latency_seconds',
    help: 'From a signal received by the API to its analysis stored',
    buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers,
  }),
  alertsFired: new Counter({ name: 'alerts_fired_total', help: 'Alerts fired by type and severity', labelNames: ['type', 'severity'], registers }),
  alertsSuppressed: new Counter({
    name: 'alerts_suppressed_total',
    help: 'Repeats of an open alert within its cooldown, counted instead of fired, by type and severity',
    labelNames: ['type', 'severity'],
    registers,
  }),
  alertTransitions: new Counter({
    name: 'alert_transitions_total',
    help: 'Alert lifecycle transitions (to acknowledged or resolved) by type and severity',
    labelNames: ['to', 'type', 'severity'],
    registers,
  }),
  outreachSent: new Counter({ name: 'outreach_messages_sent_total', help: 'Outreach messages sent by kind and channel', labelNames: ['kind', 'channel'], registers }),
  outreachWithheld: new Counter({
    name: 'outreach_withheld_total',
    help: 'Outreach starts and messages withheld, by reason (legal_threat_open, no_consented_channel, survey_fatigue, …)',
    labelNames: ['reason'],
    registers,
  }),
  surveyAnswers: new Counter({ name: 'survey_answers_total', help: 'Survey answers by NPS category (promoter 9-10, passive 7-8, detractor 0-6)', labelNames: ['category'], registers }),
  escalations: new Counter({ name: 'outreach_escalations_total', help: 'Outreach escalations by reason', labelNames: ['reason'], registers }),
  escalationLevels: new Counter({ name: 'escalation_renotifications_total', help: 'Unacknowledged escalations raised to the next level of the chain', labelNames: ['level'], registers }),
  dbStatements: new Counter({ name: 'db_statements_total', help: 'SQL statements this process sent to the database (transaction BEGIN/COMMIT included)', registers }),
  notifications: new Counter({ name: 'notifications_total', help: 'Notifications to people by channel and outcome (delivered, failed)', labelNames: ['channel', 'outcome'], registers }),
};

/** Counts every statement the process sends through this connection pool (db_statements_total). */
export function countStatements(db: Db): Db {
  db.on('query', () => platformMetrics.dbStatements.inc());
  return db;
}

export const npsCategory = (score: number) => (score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor');

const SCRAPE_QUERY_MS = 2000;

/** Gauges read from the database on each scrape: cheap indexed counts, given up after 2 s (last values stay). */
function databaseGauges(db: Db, registry: Registry) {
  const within = <T>(p: Promise<T>) => Promise.race([p, new Promise<never>((_r, reject) => setTimeout(() => reject(new Error('slow')), SCRAPE_QUERY_MS).unref())]);
  new Gauge({
    name: 'alerts_open',
    help: 'Open (active or acknowledged) alerts by type and severity, from the database',
    labelNames: ['type', 'severity'],
    registers: [registry],
    async collect() {
      try {
        const { rows } = await within(db.raw(`SELECT type, severity, count(*)::int AS n FROM alerts WHERE status IN ('active', 'acknowledged') GROUP BY 1, 2`));
        this.reset();
        for (const r of rows as { type: string; severity: string; n: number }[]) this.set({ type: r.type, severity: r.severity }, r.n);
      } catch {
        // the database did not answer in time: keep the last values
      }
    },
  });
  new Gauge({
    name: 'delivery_backlog',
    help: 'Rows waiting for delivery to Temporal (signals, workflow_messages) or to a person (notifications)',
    labelNames: ['kind'],
    registers: [registry],
    async collect() {
      try {
        const { rows } = await within(
          db.raw(`SELECT (SELECT count(*) FROM signals WHERE delivery_status = 'pending')::int AS signals,
                         (SELECT count(*) FROM workflow_messages WHERE status = 'pending')::int AS workflow_messages`),
        );
        this.set({ kind: 'signals' }, rows[0].signals);
        this.set({ kind: 'workflow_messages' }, rows[0].workflow_messages);
      } catch {
        // keep the last values
      }
    },
  });
  new Gauge({
    name: 'survey_nps_30d',
    help: 'Net Promoter Score of the survey answers of the last 30 days (percent promoters minus percent detractors)',
    registers: [registry],
    async collect() {
      try {
        const { rows } = await within(
          db.raw(`SELECT count(*)::int AS n, count(*) FILTER (WHERE survey_score >= 9)::int AS p, count(*) FILTER (WHERE survey_score <= 6)::int AS d
                    FROM outreaches WHERE answered_at >= now() - interval '30 days'`),
        );
        const { n, p, d } = rows[0] as { n: number; p: number; d: number };
        this.set(n ? (100 * (p - d)) / n : 0);
      } catch {
        // keep the last value
      }
    },
  });
}

export function createMetrics(db?: Db) {
  const own = new Registry();
  collectDefaultMetrics({ register: own });
  if (db) databaseGauges(db, own);
  const metrics = {
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request duration by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [own],
    }),
  };
  return { registry: Registry.merge([own, platformRegistry]), ...metrics };
}
export type Metrics = ReturnType<typeof createMetrics>;
