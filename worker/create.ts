import type { PayloadCodec } from '@temporalio/common';
import { NativeConnection, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { createWindowActivities } from '../activities/windows';
import { createOutreachActivities, type OutreachDeps } from '../activities/outreach';
import { createSegmentActivities } from '../activities/segments';
import { createRetentionActivities } from '../activities/retention';
import { createNotifyActivities, type NotifySettings } from '../activities/notify';
import { AuditTrail, DEV_PSEUDONYM_SECRET } from '../db/audit';

/** sms, crm (default: the outbox), surveySecret and publicBaseUrl for the outreach activities. */
export interface WorkerDeps extends ActivityDeps, Omit<OutreachDeps, 'db'> {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** A pre-built bundle (tests build it once); otherwise the worker bundles workflows/. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** Workflows kept in memory between tasks (WORKER_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Encrypts every payload with its customer's data key (privacy/codec.ts). */
  codec: PayloadCodec;
  /** Notification channels and subscribed alert types (NOTIFY_*); unset: the console only. */
  notify?: NotifySettings;
}

export const workflowsPath = require.resolve('../workflows');

export async function createWorker(deps: WorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle ? { workflowBundle: deps.workflowBundle } : { workflowsPath }),
    activities: {
      ...createActivities(deps),
      ...createWindowActivities(deps),
      ...createOutreachActivities(deps),
      ...createRetentionActivities({ db: deps.db, audit: new AuditTrail(deps.pseudonymSecret ?? DEV_PSEUDONYM_SECRET) }),
      ...createSegmentActivities(deps),
      ...createNotifyActivities(deps),
    },
    // Journeys are many and mostly idle: cache the busy ones, not all of them. The cache is
    // what bounds the worker's memory, whatever the number of customers.
    maxCachedWorkflows: deps.maxCachedWorkflows ?? 500,
    dataConverter: { payloadCodecs: [deps.codec] },
  });
}
