import { ScheduleAlreadyRunning, ScheduleNotFoundError, type Client, type ScheduleDescription } from '@temporalio/client';
import type { Config } from '../config';
import { canonicalJson } from '../db/audit';
import type { retentionPurgeWorkflow } from '../workflows';
import { RETENTION_SCHEDULE_ID } from '../workflows/retention';

/**
 * Creates the `retention-purge` schedule, or brings it in line with this process's configuration
 * (interval, policy, task queue). The policy travels as the action's argument, a payload like any
 * other: `client` must be built with the payload codec. A schedule an operator paused stays paused.
 */
export async function ensureRetentionSchedule(client: Client, config: Config): Promise<'created' | 'updated' | 'unchanged'> {
  const everyMs = config.retention.intervalMinutes * 60_000;
  const spec = { intervals: [{ every: everyMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'retentionPurgeWorkflow',
    // Temporal appends the scheduled time to it: retention-purge-2026-12-03T10:00:00Z.
    workflowId: RETENTION_SCHEDULE_ID,
    taskQueue: config.temporal.taskQueue,
    args: [config.retention.policy] as Parameters<typeof retentionPurgeWorkflow>,
  };
  // SKIP: a purge still running when the next is due lets that one pass, so two never run at once.
  // After an outage, one catch-up run at most.
  const policies = { overlap: 'SKIP' as const, catchupWindow: Math.max(everyMs, 60_000) };
  const handle = client.schedule.getHandle(RETENTION_SCHEDULE_ID);

  let current: ScheduleDescription;
  try {
    current = await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
    try {
      await client.schedule.create({ scheduleId: RETENTION_SCHEDULE_ID, spec, action, policies });
      return 'created';
    } catch (createErr) {
      if (!(createErr instanceof ScheduleAlreadyRunning)) throw createErr; // another process was first
      current = await handle.describe();
    }
  }
  const intervals = current.spec.intervals ?? [];
  const same =
    intervals.length === 1 &&
    intervals[0].every === everyMs &&
    !current.spec.calendars?.length &&
    current.action.workflowType === action.workflowType &&
    current.action.taskQueue === action.taskQueue &&
    canonicalJson(current.action.args) === canonicalJson(action.args) &&
    current.policies.overlap === policies.overlap &&
    current.policies.catchupWindow === policies.catchupWindow;
  if (same) return 'unchanged';
  await handle.update((prev) => ({ ...prev, spec, action, policies: { ...prev.policies, ...policies } }));
  return 'updated';
}
