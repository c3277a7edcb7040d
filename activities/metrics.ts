// Counting what the activities did, after it committed (api/metrics.ts holds the counters; the
// worker's metrics listener exposes them). Never fails an activity.
import type { Alert } from '../db/alerts';
import { platformMetrics as m } from '../api/metrics';
import { SEVERITY_BY_TYPE } from '../domain/rules';
import type { AlertType, CustomerSignal } from '../domain/types';

/** Signals analysed or kept without analysis; for analysed ones, the time since the API received them. */
export function countAnalysed(signals: Pick<CustomerSignal, 'id' | 'type'>[], outcome: 'analysed' | 'analysis_withheld', reason: string | null, receivedAt?: Map<string, Date>): void {
  if (signals.length === 0) return;
  for (const s of signals) m.signals.inc({ type: s.type, outcome });
  if (reason) m.analysisWithheld.inc({ reason }, signals.length);
  const now = Date.now();
  for (const s of signals) {
    const at = receivedAt?.get(s.id);
    if (at) m.analysisLatency.observe(Math.max(0, now - at.getTime()) / 1000);
  }
}

/** Alerts that are new (fired) and repeats counted on an open one (suppressed). */
export function countFired(created: Pick<Alert, 'type' | 'severity'>[], suppressedTypes: AlertType[]): void {
  for (const a of created) m.alertsFired.inc({ type: a.type, severity: a.severity });
  for (const type of suppressedTypes) m.alertsSuppressed.inc({ type, severity: SEVERITY_BY_TYPE[type] });
}
