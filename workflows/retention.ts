import { proxyActivities } from '@temporalio/workflow';
import type { createRetentionActivities } from '../activities/retention';
import type { PurgeResult, RetentionPolicy } from '../domain/retention';

/** The schedule that starts retentionPurgeWorkflow (worker/retention-schedule.ts); also its runs' workflow id prefix. */
export const RETENTION_SCHEDULE_ID = 'retention-purge';

const { purgeExpired } = proxyActivities<ReturnType<typeof createRetentionActivities>>({
  // A first run on a large database may take a while; the heartbeat after every batch is what
  // notices a lost worker, not the overall timeout.
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/**
 * One enforcement of the retention policy, started by the `retention-purge` schedule (overlap
 * SKIP: never two at once). Returns what was purged; the audit trail records it too.
 */
export async function retentionPurgeWorkflow(policy: RetentionPolicy): Promise<PurgeResult> {
  return purgeExpired(policy);
}
