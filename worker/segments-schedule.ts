import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client } from '@temporalio/client';
import type { Config } from '../config';
import { SEGMENTS_SCHEDULE_ID } from '../workflows/segments';

/**
 * The `segments-refresh` schedule: re-evaluates customers whose segment came from older criteria
 * every SEGMENTS_REFRESH_MINUTES, and once right away when `runNow` (a worker start after a criteria
 * change: every customer is judged again without waiting). Overlap SKIP: never two at once.
 */
export async function ensureSegmentsSchedule(client: Client, config: Config, { runNow = true } = {}): Promise<void> {
  const every = config.segments.refreshMinutes * 60_000;
  const spec = { intervals: [{ every }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'segmentRefreshWorkflow',
    workflowId: SEGMENTS_SCHEDULE_ID,
    taskQueue: config.temporal.taskQueue,
    args: [{ pageSize: 500 }],
  };
  const policies = { overlap: 'SKIP' as const, catchupWindow: Math.max(every, 60_000) };
  const handle = client.schedule.getHandle(SEGMENTS_SCHEDULE_ID);
  try {
    const current = await handle.describe();
    if (current.spec.intervals?.[0]?.every !== every || current.action.taskQueue !== action.taskQueue) {
      await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
    }
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({ scheduleId: SEGMENTS_SCHEDULE_ID, spec, action, policies });
    } catch (createErr) {
      if (!(createErr instanceof ScheduleAlreadyRunning)) throw createErr;
    }
  }
  if (runNow) await handle.trigger();
}
