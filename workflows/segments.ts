import { proxyActivities } from '@temporalio/workflow';
import type { createSegmentActivities, RefreshResult } from '../activities/segments';

/** The schedule that starts segmentRefreshWorkflow (worker/segments-schedule.ts). */
export const SEGMENTS_SCHEDULE_ID = 'segments-refresh';

const { refreshSegments } = proxyActivities<ReturnType<typeof createSegmentActivities>>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes', maximumAttempts: 5 },
});

/** Every customer judged under older segment criteria is judged again under the current ones. */
export async function segmentRefreshWorkflow(input: { pageSize: number }): Promise<RefreshResult> {
  return refreshSegments(input);
}
