// One typed configuration, read once from the environment. Documented in README "Configuration".
import path from 'node:path';
import { DEFAULT_THRESHOLDS, type RuleThresholds } from '../domain/rules';
import { DEFAULT_OCCURRED_AT_BOUNDS, type OccurredAtBounds } from '../domain/input-limits';
import { DEFAULT_OUTREACH_POLICY, isValidTimeZone, parseQuietHours, type OutreachPolicy } from '../domain/outreach';
import { ALERT_TYPES, RISK_TIERS, type AlertType, type RiskTier } from '../domain/types';
import type { SalesforceConfig } from '../integrations/salesforce';
import type { TwilioConfig } from '../integrations/sms';
import { DEFAULT_WINDOW_THRESHOLDS, type WindowThresholds } from '../domain/windows';
import { parseMasterKeys, type MasterKey } from '../privacy/data-keys';
import { DEFAULT_RETENTION_INTERVAL_MINUTES, DEFAULT_RETENTION_POLICY, RETENTION_ENV, RETENTION_KINDS, type RetentionKind, type RetentionPolicy } from '../domain/retention';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  temporal: { address: string | undefined; namespace: string; taskQueue: string; uiPort: number; apiKey: string | undefined; tls: boolean };
  dataDir: string;
  logLevel: string;
  maxBodyBytes: number;
  maxBatchSize: number;
  maxCachedWorkflows: number;
  /** How far in the past and future a signal's occurredAt may lie. */
  occurredAt: OccurredAtBounds;
  journeyIdleTimeoutMs: number;
  thresholds: RuleThresholds;
  /** Where customers and Twilio reach the API: survey links and webhook signature URLs. */
  publicBaseUrl: string;
  /** null: SMS go to the outbox table. */
  twilio: TwilioConfig | null;
  /** null: CRM cases go to the outbox table. */
  salesforce: SalesforceConfig | null;
  /** Bearer token of POST /v1/webhooks/crm; unset: the CRM webhook refuses every call. */
  crmWebhookToken: string | undefined;
  survey: { secret: string; isDevSecret: boolean };
  /** null: no automated outreach (OUTREACH_ENABLED=false). */
  outreach: OutreachPolicy | null;
  windows: { thresholds: WindowThresholds; pollMs: number; maxIdleMs: number; batchSize: number };
  /** The first admin key (README "Access"); unset: the first start generates one and prints it once. */
  adminApiKey: string | undefined;
  /** Keys the pseudonyms that stand for customer ids in the audit trail (README "Audit trail"). */
  pseudonymSecret: string | undefined;
  /** Express's `trust proxy`: which proxies' X-Forwarded-For names the client (for per-address limits). */
  trustProxy: boolean | number | string;
  rateLimits: RateLimitConfig;
  /**
   * The payload codec: master keys wrapping the per-customer data keys (the first wraps new ones);
   * null until `npm start` makes one for its embedded default. Origins the codec endpoint answers (CORS).
   */
  codec: { masterKeys: MasterKey[] | null; corsOrigins: string[] };
  /** Risk segments: how often customers judged under older criteria are looked for (a Temporal Schedule). */
  segments: { refreshMinutes: number };
  /**
   * The worker's Prometheus listener (WORKER_METRICS_PORT, 0: off) and the Temporal SDK's own
   * exporter it appends (WORKER_SDK_METRICS_PORT, 0: off); both on HOST.
   */
  workerMetrics: { port: number; sdkPort: number };
  /** Where escalations and subscribed alert types reach people (README "Notifications"). */
  notify: NotifyConfig;
  /** Live alert streams: at most this many open per key, and at most this many events replayed after Last-Event-ID. */
  stream: { maxPerKey: number; maxReplay: number };
  /** Days to keep each kind of data (0: forever) and how often the `retention-purge` schedule enforces them (README "Retention"). */
  retention: { policy: RetentionPolicy; intervalMinutes: number };
}

export interface NotifyConfig {
  /** Incoming webhook (Slack/Teams-compatible JSON {text}); null: none. */
  webhookUrl: string | null;
  /** smtp(s)://user:pass@host:port; null: no e-mail. */
  smtpUrl: string | null;
  emailFrom: string | null;
  emailTo: string[];
  /** Alert types operators subscribe to: each one fired notifies. */
  alertTypes: AlertType[];
}

export interface RateLimitConfig {
  /** Requests per key and minute on /v1; 0: unlimited. */
  keyPerMinute: number;
  /** Requests per client address and minute to the survey (page and JSON). */
  surveyPerMinute: number;
  /** Requests per client address and minute to the webhooks. */
  webhookPerMinute: number;
  /** Failed authentications per client address and minute before that address is refused for a minute. */
  authFailuresPerMinute: number;
}

export const DEFAULT_RATE_LIMITS: RateLimitConfig = { keyPerMinute: 12_000, surveyPerMinute: 60, webhookPerMinute: 1_200, authFailuresPerMinute: 60 };

export class ConfigError extends Error {
  constructor(variable: string, reason: string) {
    super(`${variable}: ${reason}`);
    this.name = 'ConfigError';
  }
}

function num(env: NodeJS.ProcessEnv, name: string, fallback: number, { min = -Infinity, max = Infinity } = {}): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v < min || v > max) throw new ConfigError(name, `must be a number in [${min}, ${max}], got "${raw}"`);
  return v;
}

export const DEV_SURVEY_SECRET = 'dev-survey-secret-change-me';

/** All of a group of variables, or none of them. */
function group<K extends string>(env: NodeJS.ProcessEnv, names: Record<K, string>): Record<K, string> | null {
  const set = Object.values<string>(names).filter((n) => env[n]);
  if (set.length === 0) return null;
  const missing = Object.values<string>(names).filter((n) => !env[n]);
  if (missing.length) throw new ConfigError(missing[0], `is required when ${set.join(', ')} ${set.length > 1 ? 'are' : 'is'} set`);
  return Object.fromEntries(Object.entries<string>(names).map(([k, n]) => [k, env[n] as string])) as Record<K, string>;
}

function list<T extends string>(env: NodeJS.ProcessEnv, name: string, allowed: readonly T[], fallback: T[]): T[] {
  const raw = env[name];
  if (raw === undefined) return fallback;
  const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = items.find((i) => !allowed.includes(i as T));
  if (bad) throw new ConfigError(name, `"${bad}" is not one of ${allowed.join(', ')}`);
  return items as T[];
}

function outreachPolicy(env: NodeJS.ProcessEnv): OutreachPolicy | null {
  if (['false', '0', 'off'].includes((env.OUTREACH_ENABLED ?? '').toLowerCase())) return null;
  const d = DEFAULT_OUTREACH_POLICY;
  const hours = (name: string, fallbackMs: number) => num(env, name, fallbackMs / 3600_000, { min: 0 }) * 3600_000;
  let quietHours = d.quietHours;
  if (env.OUTREACH_QUIET_HOURS !== undefined) {
    try {
      quietHours = parseQuietHours(env.OUTREACH_QUIET_HOURS);
    } catch (err) {
      throw new ConfigError('OUTREACH_QUIET_HOURS', (err as Error).message);
    }
  }
  const tz = env.OUTREACH_DEFAULT_TIME_ZONE || d.defaultTimeZone;
  if (!isValidTimeZone(tz)) throw new ConfigError('OUTREACH_DEFAULT_TIME_ZONE', `"${tz}" is not an IANA time zone`);
  const chain = (env.ESCALATION_CHAIN ?? d.escalation.chain.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  if (chain.length === 0) throw new ConfigError('ESCALATION_CHAIN', 'needs at least one level');
  return {
    triggerTiers: list<RiskTier>(env, 'OUTREACH_TRIGGER_TIERS', RISK_TIERS, d.triggerTiers),
    triggerAlerts: list<AlertType>(env, 'OUTREACH_TRIGGER_ALERTS', ALERT_TYPES, d.triggerAlerts),
    quietHours,
    defaultTimeZone: tz,
    surveyDeadlineMs: hours('OUTREACH_SURVEY_DEADLINE_HOURS', d.surveyDeadlineMs),
    reminderAfterMs: hours('OUTREACH_REMINDER_AFTER_HOURS', d.reminderAfterMs),
    maxSurveys: num(env, 'OUTREACH_MAX_SURVEYS', d.maxSurveys, { min: 0 }),
    surveyWindowMs: num(env, 'OUTREACH_SURVEY_WINDOW_DAYS', d.surveyWindowMs / 86_400_000, { min: 0 }) * 86_400_000,
    maxMessagesPerWeek: num(env, 'OUTREACH_MAX_MESSAGES_PER_WEEK', d.maxMessagesPerWeek, { min: 0 }),
    recheckMs: num(env, 'OUTREACH_RECHECK_MINUTES', d.recheckMs / 60_000, { min: 0 }) * 60_000,
    escalation: { renotifyMs: num(env, 'ESCALATION_RENOTIFY_MINUTES', d.escalation.renotifyMs / 60_000, { min: 0.001 }) * 60_000, chain },
  };
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const moderate = num(env, 'RULE_MODERATE_THRESHOLD', DEFAULT_THRESHOLDS.moderate.churn, { min: 0, max: 1 });
  const port = num(env, 'PORT', 3000, { min: 0, max: 65535 });
  const uiPort = num(env, 'TEMPORAL_UI_PORT', 8233, { min: 1, max: 65535 });
  const twilioVars = group(env, { accountSid: 'TWILIO_ACCOUNT_SID', authToken: 'TWILIO_AUTH_TOKEN', from: 'TWILIO_FROM' });
  const sfVars = group(env, { instanceUrl: 'SALESFORCE_INSTANCE_URL', accessToken: 'SALESFORCE_ACCESS_TOKEN' });
  const publicBaseUrl = (env.PUBLIC_BASE_URL || `http://127.0.0.1:${port}`).replace(/\/+$/, '');
  if (!/^https?:\/\/[^/]+/.test(publicBaseUrl)) throw new ConfigError('PUBLIC_BASE_URL', `must be an http(s) URL, got "${publicBaseUrl}"`);
  return {
    port,
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE || 'engagement',
      uiPort,
      // Temporal Cloud (or a cluster behind API-key auth): the key implies TLS.
      apiKey: env.TEMPORAL_API_KEY || undefined,
      tls: Boolean(env.TEMPORAL_API_KEY) || ['true', '1'].includes((env.TEMPORAL_TLS ?? '').toLowerCase()),
    },
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    logLevel: env.LOG_LEVEL || 'info',
    maxBodyBytes: num(env, 'MAX_BODY_BYTES', 1_000_000, { min: 1024 }),
    maxBatchSize: num(env, 'MAX_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
    maxCachedWorkflows: num(env, 'WORKER_MAX_CACHED_WORKFLOWS', 500, { min: 0 }),
    occurredAt: {
      horizonDays: num(env, 'OCCURRED_AT_HORIZON_DAYS', DEFAULT_OCCURRED_AT_BOUNDS.horizonDays, { min: 1 }),
      maxFutureMinutes: num(env, 'OCCURRED_AT_MAX_FUTURE_MINUTES', DEFAULT_OCCURRED_AT_BOUNDS.maxFutureMinutes, { min: 0 }),
    },
    journeyIdleTimeoutMs: num(env, 'JOURNEY_IDLE_DAYS', 30, { min: 0.0001 }) * 24 * 3600 * 1000,
    publicBaseUrl,
    twilio: twilioVars ? { ...twilioVars, ...(env.TWILIO_BASE_URL ? { baseUrl: env.TWILIO_BASE_URL } : {}) } : null,
    salesforce: sfVars
      ? {
          ...sfVars,
          apiVersion: env.SALESFORCE_API_VERSION || '60.0',
          escalationIdField: env.SALESFORCE_CASE_ESCALATION_FIELD || 'Engagement_Escalation_Id__c',
        }
      : null,
    crmWebhookToken: env.CRM_WEBHOOK_TOKEN || undefined,
    survey: { secret: env.SURVEY_SECRET || DEV_SURVEY_SECRET, isDevSecret: !env.SURVEY_SECRET },
    outreach: outreachPolicy(env),
    thresholds: {
      churnMin: num(env, 'RULE_CHURN_MIN', DEFAULT_THRESHOLDS.churnMin, { min: 0, max: 1 }),
      churnAloneMin: num(env, 'RULE_CHURN_ALONE_MIN', DEFAULT_THRESHOLDS.churnAloneMin ?? 0.8, { min: 0, max: 1 }),
      sentimentMax: num(env, 'RULE_SENTIMENT_MAX', DEFAULT_THRESHOLDS.sentimentMax, { min: -1, max: 1 }),
      legalMin: num(env, 'RULE_LEGAL_MIN', DEFAULT_THRESHOLDS.legalMin, { min: 0, max: 1 }),
      moderate: { churn: moderate, escalation: moderate, legal: moderate, reputation: moderate, financial: moderate },
      compoundMinComponents: num(env, 'RULE_COMPOUND_MIN_COMPONENTS', DEFAULT_THRESHOLDS.compoundMinComponents, { min: 1, max: 5 }),
      cooldownMinutes: num(env, 'ALERT_COOLDOWN_MINUTES', DEFAULT_THRESHOLDS.cooldownMinutes, { min: 0 }),
    },
    adminApiKey: secretOf(env, 'ADMIN_API_KEY'),
    pseudonymSecret: secretOf(env, 'PSEUDONYM_SECRET'),
    trustProxy: trustProxy(env.TRUST_PROXY),
    rateLimits: {
      keyPerMinute: num(env, 'RATE_LIMIT_KEY_PER_MINUTE', DEFAULT_RATE_LIMITS.keyPerMinute, { min: 0 }),
      surveyPerMinute: num(env, 'RATE_LIMIT_SURVEY_PER_MINUTE', DEFAULT_RATE_LIMITS.surveyPerMinute, { min: 0 }),
      webhookPerMinute: num(env, 'RATE_LIMIT_WEBHOOK_PER_MINUTE', DEFAULT_RATE_LIMITS.webhookPerMinute, { min: 0 }),
      authFailuresPerMinute: num(env, 'RATE_LIMIT_AUTH_FAILURES_PER_MINUTE', DEFAULT_RATE_LIMITS.authFailuresPerMinute, { min: 0 }),
    },
    codec: {
      masterKeys: masterKeys(env.CODEC_MASTER_KEYS),
      corsOrigins: (env.CODEC_CORS_ORIGINS ?? `http://127.0.0.1:${uiPort},http://localhost:${uiPort}`)
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    },
    segments: { refreshMinutes: num(env, 'SEGMENTS_REFRESH_MINUTES', 60, { min: 1 }) },
    workerMetrics: {
      port: num(env, 'WORKER_METRICS_PORT', 9464, { min: 0, max: 65535 }),
      sdkPort: num(env, 'WORKER_SDK_METRICS_PORT', 9465, { min: 0, max: 65535 }),
    },
    notify: notifyConfig(env),
    stream: {
      maxPerKey: num(env, 'STREAM_MAX_PER_KEY', 5, { min: 1 }),
      maxReplay: num(env, 'STREAM_MAX_REPLAY', 1000, { min: 0, max: 100_000 }),
    },
    retention: retention(env),
    windows: {
      thresholds: {
        ...DEFAULT_WINDOW_THRESHOLDS,
        warmupHours: num(env, 'WINDOW_WARMUP_HOURS', DEFAULT_WINDOW_THRESHOLDS.warmupHours, { min: 0 }),
        cooldownMinutes: num(env, 'WINDOW_COOLDOWN_MINUTES', DEFAULT_WINDOW_THRESHOLDS.cooldownMinutes, { min: 0 }),
        lookbackHours: num(env, 'WINDOW_LOOKBACK_HOURS', DEFAULT_WINDOW_THRESHOLDS.lookbackHours, { min: 1 }),
      },
      pollMs: num(env, 'WINDOW_POLL_MS', 1000, { min: 50 }),
      maxIdleMs: num(env, 'WINDOW_MAX_IDLE_MS', 5000, { min: 50 }),
      batchSize: num(env, 'WINDOW_BATCH_SIZE', 2000, { min: 1 }),
    },
  };
}

function notifyConfig(env: NodeJS.ProcessEnv): NotifyConfig {
  const webhookUrl = env.NOTIFY_WEBHOOK_URL || null;
  if (webhookUrl && !/^https?:\/\/[^/]+/.test(webhookUrl)) throw new ConfigError('NOTIFY_WEBHOOK_URL', 'must be an http(s) URL');
  const smtpUrl = env.NOTIFY_SMTP_URL || null;
  if (smtpUrl && !/^smtps?:\/\/[^/]+/.test(smtpUrl)) throw new ConfigError('NOTIFY_SMTP_URL', 'must be an smtp:// or smtps:// URL');
  const emailTo = (env.NOTIFY_EMAIL_TO ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (smtpUrl && !env.NOTIFY_EMAIL_FROM) throw new ConfigError('NOTIFY_EMAIL_FROM', 'is required when NOTIFY_SMTP_URL is set');
  if (smtpUrl && emailTo.length === 0) throw new ConfigError('NOTIFY_EMAIL_TO', 'is required when NOTIFY_SMTP_URL is set');
  return { webhookUrl, smtpUrl, emailFrom: env.NOTIFY_EMAIL_FROM || null, emailTo, alertTypes: list<AlertType>(env, 'NOTIFY_ALERT_TYPES', ALERT_TYPES, []) };
}

/** Webhook receipts younger than this are kept whatever the setting: providers redeliver within a day. */
export const MIN_WEBHOOK_RECEIPT_DAYS = 2;

function retention(env: NodeJS.ProcessEnv): Config['retention'] {
  const days = Object.fromEntries(
    RETENTION_KINDS.map((k) => [k, num(env, RETENTION_ENV[k], DEFAULT_RETENTION_POLICY.days[k], { min: 0 })]),
  ) as Record<RetentionKind, number>;
  // Receipts are what makes a redelivered webhook a no-op: purging them sooner than a provider may
  // redeliver (within hours; Salesforce outbound messages retry for up to 24 hours) would
  // apply a delivery twice.
  if (days.webhookReceipts > 0 && days.webhookReceipts < MIN_WEBHOOK_RECEIPT_DAYS) {
    throw new ConfigError(RETENTION_ENV.webhookReceipts, `must be 0 (keep forever) or at least ${MIN_WEBHOOK_RECEIPT_DAYS} days: receipts make webhook redeliveries idempotent`);
  }
  return {
    policy: { days, batchSize: num(env, 'RETENTION_BATCH_SIZE', DEFAULT_RETENTION_POLICY.batchSize, { min: 1, max: 50_000 }) },
    intervalMinutes: num(env, 'RETENTION_INTERVAL_MINUTES', DEFAULT_RETENTION_INTERVAL_MINUTES, { min: 1, max: 7 * 24 * 60 }),
  };
}

export const MIN_SECRET_LENGTH = 32;

function masterKeys(raw: string | undefined): MasterKey[] | null {
  if (!raw) return null;
  try {
    return parseMasterKeys(raw);
  } catch (err) {
    throw new ConfigError('CODEC_MASTER_KEYS', (err as Error).message);
  }
}

/** A secret from the environment: unset, or at least MIN_SECRET_LENGTH characters. */
function secretOf(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name];
  if (!v) return undefined;
  if (v.length < MIN_SECRET_LENGTH) throw new ConfigError(name, `must be at least ${MIN_SECRET_LENGTH} characters (use e.g. \`openssl rand -base64 32\`)`);
  return v;
}

function trustProxy(raw: string | undefined): boolean | number | string {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  if (/^\d+$/.test(raw)) return Number(raw);
  return raw; // addresses/subnets, as Express understands them
}

/**
 * What must hold outside the embedded default (`npm start` running its own dev server or embedded
 * Postgres): a survey secret of our own, not the public development value, and a CRM token long
 * enough not to be guessed. The API and the worker call this before they start.
 */
export function assertDeployable(config: Config): void {
  if (config.survey.isDevSecret) throw new ConfigError('SURVEY_SECRET', `is required (at least ${MIN_SECRET_LENGTH} characters); the development value is accepted only by \`npm start\` on its embedded defaults`);
  if (config.survey.secret.length < MIN_SECRET_LENGTH) throw new ConfigError('SURVEY_SECRET', `must be at least ${MIN_SECRET_LENGTH} characters`);
  if (!config.pseudonymSecret) throw new ConfigError('PSEUDONYM_SECRET', `is required (at least ${MIN_SECRET_LENGTH} characters; keep it: a new one gives every customer a new pseudonym in the audit trail)`);
  if (!config.codec.masterKeys) throw new ConfigError('CODEC_MASTER_KEYS', 'is required: "<id>:<32 bytes in base64>", e.g. k1:$(openssl rand -base64 32); keep every key that wrapped data keys');
  if (config.crmWebhookToken !== undefined && config.crmWebhookToken.length < MIN_SECRET_LENGTH) {
    throw new ConfigError('CRM_WEBHOOK_TOKEN', `must be at least ${MIN_SECRET_LENGTH} characters`);
  }
}

/** How this process reaches Temporal: the address, and TLS and an API key when configured. */
export function temporalConnectionOptions(config: Config, address = config.temporal.address ?? '127.0.0.1:7233') {
  return { address, ...(config.temporal.tls ? { tls: true as const } : {}), ...(config.temporal.apiKey ? { apiKey: config.temporal.apiKey } : {}) };
}

/** For processes that cannot run without a database server (api, worker run on their own). */
export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'is required (e.g. postgres://postgres@127.0.0.1:5432/test)');
  return config.databaseUrl;
}
