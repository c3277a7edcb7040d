import { continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { createWindowActivities } from '../activities/windows';
import type { WindowCooldowns, WindowThresholds } from '../domain/windows';

const { evaluateWindows } = proxyActivities<ReturnType<typeof createWindowActivities>>({
  startToCloseTimeout: '2 minutes',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

export interface WindowRulesInput {
  thresholds: WindowThresholds;
  cooldowns?: WindowCooldowns;
  /** Signals claimed per activity run. */
  batchSize: number;
  /** Pause after an empty run; doubles while idle up to maxIdleMs. */
  pollMs: number;
  maxIdleMs: number;
  totals?: WindowRulesStatus;
}

export interface WindowRulesStatus {
  processed: number;
  alerts: number;
  suppressed: number;
  runs: number;
}

export const windowRulesStatusQuery = defineQuery<WindowRulesStatus>('windowRulesStatus');
export const WINDOW_RULES_WORKFLOW_ID = 'window-rules';

/**
 * The long-lived evaluator of volume_spike, sentiment_cliff and geo_concentration. It receives
 * no per-signal messages: each run of its activity claims a batch of analysed signals from the
 * database, so its history grows with batches, not with traffic. Dedup cooldowns live here and
 * travel across continue-as-new; the baselines live in the database buckets.
 */
export async function windowRulesWorkflow(input: WindowRulesInput): Promise<void> {
  let cooldowns = input.cooldowns ?? {};
  const totals: WindowRulesStatus = input.totals ?? { processed: 0, alerts: 0, suppressed: 0, runs: 0 };
  setHandler(windowRulesStatusQuery, () => totals);
  let pause = input.pollMs / 2;
  for (;;) {
    const r = await evaluateWindows({ thresholds: input.thresholds, cooldowns, batchSize: input.batchSize });
    cooldowns = r.cooldowns;
    totals.processed += r.processed;
    totals.alerts += r.alertIds.length;
    totals.suppressed += r.suppressed;
    totals.runs++;
    if (r.processed < input.batchSize) {
      pause = r.processed === 0 ? Math.min(pause * 2, input.maxIdleMs) : input.pollMs;
      await sleep(pause);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await continueAsNew<typeof windowRulesWorkflow>({ ...input, cooldowns, totals });
    }
  }
}
