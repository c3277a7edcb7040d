import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level: string): Logger {
  return pino({ level, base: undefined, timestamp: pino.stdTimeFunctions.isoTime });
}

/**
 * The Temporal SDK's log entries (worker, workflow and activity logs, which carry workflowId,
 * runId, activityType…) written as JSON lines through `log`. Workflow ids hold no personal data
 * (customer ids that are personal are pseudonymised in them).
 */
export function sdkLogSink(log: Logger) {
  return (entry: { level: string; message: string; meta?: Record<string, unknown> }) => {
    const level = ({ TRACE: 'trace', DEBUG: 'debug', INFO: 'info', WARN: 'warn', ERROR: 'error' } as const)[entry.level as 'INFO'] ?? 'info';
    log[level]({ sdk: true, ...(entry.meta ?? {}) }, entry.message);
  };
}

/** A caller's X-Request-Id when it is a plain token (kept so logs join across services), else ours. */
export function requestIdOf(header: string | undefined, fresh: () => string): string {
  return header && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : fresh();
}
