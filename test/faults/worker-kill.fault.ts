import { randomUUID } from 'node:crypto';
import { startApi, testConfig, h, uniqueCustomer } from '../harness';
import { Accepted, CALM, expectExactlyOnce, LEGAL, startChildWorker, type ChildWorker } from './faults';

describe('fault: the worker is SIGKILLed mid-stream', () => {
  it('right after a batch with an alert committed: every signal analysed once, every alert once', async function () {
    this.timeout(180_000);
    const taskQueue = `fault-kill-${randomUUID()}`;
    const config = testConfig();
    const api = startApi({ ...config, temporal: { ...config.temporal, taskQueue } });
    const customers = Array.from({ length: 4 }, () => uniqueCustomer('kill'));
    const accepted = new Accepted();
    const post = async (round: number) =>
      Promise.all(
        customers.map(async (customerId, i) => {
          // Customers 0 and 2 threaten in round 4 (the first alert of the run freezes the worker) and again later.
          const legal = i % 2 === 0 && (round === 4 || round === 9);
          const id = `${customerId}-${round}`;
          await api.http.post('/v1/signals').send({ id, customerId, type: 'feedback', text: legal ? LEGAL : CALM[(round + i) % CALM.length] }).expect(202);
          accepted.add(customerId, id, legal);
        }),
      );

    let worker: ChildWorker = await startChildWorker({ address: h().server.address, taskQueue, freezeAfterAlertCommit: true });
    try {
      for (let round = 0; round < 6; round++) await post(round);
      // The alert's transaction committed, and the activity will never report it: kill the worker there.
      await worker.printed('FROZEN');
      await worker.kill();
      for (let round = 6; round < 12; round++) await post(round);
      worker = await startChildWorker({ address: h().server.address, taskQueue });
      // The lost activity is retried after its start-to-close timeout (30 s) by the new worker.
      await expectExactlyOnce(accepted);
    } finally {
      await worker.kill();
      await api.journeys.drain();
    }
  });
});
