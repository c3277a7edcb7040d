import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { expect } from 'chai';
import { eventually, h, startApi, testConfig, uniqueCustomer } from '../harness';
import { Accepted, CALM, expectExactlyOnce, LEGAL, startChildWorker, waitDelivered, type ChildWorker } from './faults';

/** The machine's Postgres cluster the tests run on (this fault needs root and pg_ctlcluster). */
function cluster(): string[] {
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : [];
  if (!versions.length || !/127\.0\.0\.1:5432|localhost:5432/.test(h().databaseUrl)) {
    throw new Error(`this fault restarts the local Postgres cluster; the tests run on ${h().databaseUrl.replace(/\/\/[^@]*@/, '//')}`);
  }
  return ['--skip-systemctl-redirect', versions[0], 'main'];
}
const pgctl = (action: 'stop' | 'start') => execFileSync('pg_ctlcluster', [...cluster(), action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'pipe' });
const pgUp = () => eventually(async () => (await h().db.raw('select 1').then(() => true, () => false)), 60_000, 'Postgres to answer again');

describe('fault: Postgres restarts mid-stream', () => {
  it('signals get 503 with Retry-After while it is down; every 202 is analysed once, alerts fire once', async function () {
    this.timeout(240_000);
    const taskQueue = `fault-pg-${randomUUID()}`;
    const config = testConfig();
    const api = startApi({ ...config, temporal: { ...config.temporal, taskQueue } });
    api.journeys.startSweep(300, 500);
    const customers = Array.from({ length: 3 }, () => uniqueCustomer('pgrestart'));
    const accepted = new Accepted();
    const body = (customerId: string, i: number, round: number) => {
      const legal = (i === 0 && round === 3) || (i === 1 && round === 5);
      return { legal, body: { id: `${customerId}-${round}`, customerId, type: 'feedback', text: legal ? LEGAL : CALM[(round + i) % CALM.length] } };
    };
    // A client that retries on 503 as told, with the same signal id.
    const postUntilAccepted = async (round: number) =>
      Promise.all(
        customers.map(async (customerId, i) => {
          const { legal, body: b } = body(customerId, i, round);
          await eventually(async () => (await api.http.post('/v1/signals').send(b)).status === 202, 60_000, `signal ${b.id} accepted`);
          accepted.add(customerId, b.id, legal);
        }),
      );
    let worker: ChildWorker | undefined;
    let stopped = false;
    try {
      worker = await startChildWorker({ address: h().server.address, taskQueue });
      for (let round = 0; round < 4; round++) await postUntilAccepted(round);
      // Down while the journeys are still working through those batches.
      pgctl('stop');
      stopped = true;
      const refused = await Promise.all(customers.map((customerId, i) => api.http.post('/v1/signals').send(body(customerId, i, 4).body)));
      for (const r of refused) {
        expect(r.status, 'a signal posted while Postgres is down').to.equal(503);
        expect(r.headers['retry-after']).to.equal('5');
        expect(r.body.error.code).to.equal('unavailable');
      }
      await new Promise((r) => setTimeout(r, 3000));
      pgctl('start');
      stopped = false;
      await pgUp();
      // The client retries what was refused, then goes on.
      for (let round = 4; round < 8; round++) await postUntilAccepted(round);
      await waitDelivered(accepted.ids, 90_000);
      await expectExactlyOnce(accepted);
    } finally {
      if (stopped) pgctl('start');
      await pgUp();
      await api.journeys.stopSweep();
      await worker?.stop();
    }
  });
});
