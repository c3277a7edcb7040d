// One typed configuration, read once from the environment. Documented in README "Configuration".
import path from 'node:path';
import { DEFAULT_THRESHOLDS, type RuleThresholds } from '../domain/rules';
import { DEFAULT_WINDOW_THRESHOLDS, type WindowThresholds } from '../domain/windows';

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  temporal: { address: string | undefined; namespace: string; taskQueue: string; uiPort: number };
  dataDir: string;
  logLevel: string;
  maxBodyBytes: number;
  maxBatchSize: number;
  journeyIdleTimeoutMs: number;
  thresholds: RuleThresholds;
  windows: { thresholds: WindowThresholds; pollMs: number; maxIdleMs: number; batchSize: number };
}

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

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const moderate = num(env, 'RULE_MODERATE_THRESHOLD', DEFAULT_THRESHOLDS.moderate.churn, { min: 0, max: 1 });
  return {
    port: num(env, 'PORT', 3000, { min: 0, max: 65535 }),
    host: env.HOST || '127.0.0.1',
    databaseUrl: env.DATABASE_URL || undefined,
    temporal: {
      address: env.TEMPORAL_ADDRESS || undefined,
      namespace: env.TEMPORAL_NAMESPACE || 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE || 'engagement',
      uiPort: num(env, 'TEMPORAL_UI_PORT', 8233, { min: 1, max: 65535 }),
    },
    dataDir: path.resolve(env.DATA_DIR || '.data'),
    logLevel: env.LOG_LEVEL || 'info',
    maxBodyBytes: num(env, 'MAX_BODY_BYTES', 1_000_000, { min: 1024 }),
    maxBatchSize: num(env, 'MAX_BATCH_SIZE', 500, { min: 1, max: 10_000 }),
    journeyIdleTimeoutMs: num(env, 'JOURNEY_IDLE_DAYS', 30, { min: 0.0001 }) * 24 * 3600 * 1000,
    thresholds: {
      churnMin: num(env, 'RULE_CHURN_MIN', DEFAULT_THRESHOLDS.churnMin, { min: 0, max: 1 }),
      sentimentMax: num(env, 'RULE_SENTIMENT_MAX', DEFAULT_THRESHOLDS.sentimentMax, { min: -1, max: 1 }),
      legalMin: num(env, 'RULE_LEGAL_MIN', DEFAULT_THRESHOLDS.legalMin, { min: 0, max: 1 }),
      moderate: { churn: moderate, escalation: moderate, legal: moderate, reputation: moderate, financial: moderate },
      compoundMinComponents: num(env, 'RULE_COMPOUND_MIN_COMPONENTS', DEFAULT_THRESHOLDS.compoundMinComponents, { min: 1, max: 5 }),
      cooldownMinutes: num(env, 'ALERT_COOLDOWN_MINUTES', DEFAULT_THRESHOLDS.cooldownMinutes, { min: 0 }),
    },
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

/** For processes that cannot run without a database server (api, worker run on their own). */
export function requireDatabaseUrl(config: Config): string {
  if (!config.databaseUrl) throw new ConfigError('DATABASE_URL', 'is required (e.g. postgres://postgres@127.0.0.1:5432/test)');
  return config.databaseUrl;
}
