// Mocha root hooks: one dev server, one database and one worker for the whole run.
import { startHarness, startWorker, stopHarness } from './harness';

export const DEFAULT_TASK_QUEUE = 'engagement';
let stopWorker: (() => Promise<void>) | undefined;

export const mochaHooks = {
  async beforeAll(this: Mocha.Context) {
    this.timeout(180_000);
    await startHarness();
    stopWorker = (await startWorker(DEFAULT_TASK_QUEUE)).stop;
  },
  async afterAll(this: Mocha.Context) {
    this.timeout(60_000);
    await stopWorker?.();
    await stopHarness();
  },
};
