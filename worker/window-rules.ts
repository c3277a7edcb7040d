import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { WINDOW_RULES_WORKFLOW_ID, type WindowRulesInput } from '../workflows/windows';

/** Starts the window-rules evaluator unless it already runs (one per namespace). */
export async function ensureWindowRules(client: Client, config: Config): Promise<void> {
  const input: WindowRulesInput = { thresholds: config.windows.thresholds, batchSize: config.windows.batchSize, pollMs: config.windows.pollMs, maxIdleMs: config.windows.maxIdleMs };
  await client.workflow.start('windowRulesWorkflow', {
    workflowId: WINDOW_RULES_WORKFLOW_ID,
    taskQueue: config.temporal.taskQueue,
    args: [input],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}
