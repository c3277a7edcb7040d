// Mocha root hooks: one dev server, one database and one worker for the whole run.
import { ensureWindowRules } from '../worker/window-rules';
import { h, startHarness, startWorker, stopHarness, testConfig } from './harness';

export const DEFAULT_TASK_QUEUE = 'engagement';
let stopWorker: (() => Promise<void>) | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await startHarness();
    stopWorker = (await startWorker(DEFAULT_TASK_QUEUE)).stop;
    const config = testConfig();
    await ensureWindowRules(h().client, { ...config, windows: { ...config.windows, pollMs: 200, maxIdleMs: 1000 } });
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopWorker?.();
    await stopHarness();
  },
};
