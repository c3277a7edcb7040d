import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { freePort, startDevServer, type DevServer } from '../../scripts/temporal-cli';
import { h, log, testConfig, uniqueCustomer } from '../harness';
import { Accepted, CALM, expectExactlyOnce, forgetDelivery, LEGAL, startChildWorker, waitDelivered, type ChildWorker } from './faults';

describe('fault: the Temporal dev server restarts (same database file) mid-stream', () => {
  it('signals accepted before, during and after the restart are analysed once, alerts fire once', async function () {
    this.timeout(180_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fault-temporal-'));
    const dbFile = path.join(dir, 'temporal.db');
    const port = await freePort();
    const start = () => startDevServer({ dbFile, port, uiPort: null, log: () => {} });
    let server: DevServer = await start();
    const taskQueue = `fault-restart-${randomUUID()}`;
    const base = testConfig();
    const config = { ...base, temporal: { ...base.temporal, address: server.address, taskQueue } };
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection, dataConverter: { payloadCodecs: [h().codec] } });
    const api = createApp({ config, db: h().db, client, log, codec: h().codec });
    const http = supertest.agent(api.app).set('Authorization', `Bearer ${h().adminKey}`);
    api.journeys.startSweep(300, 500);
    let worker: ChildWorker | undefined;
    const customers = Array.from({ length: 3 }, () => uniqueCustomer('restart'));
    const accepted = new Accepted();
    const post = (round: number) =>
      Promise.all(
        customers.map(async (customerId, i) => {
          // One threatens before the restart, one while the server is down.
          const legal = (i === 0 && round === 2) || (i === 2 && round === 6);
          const id = `${customerId}-${round}`;
          await http.post('/v1/signals').send({ id, customerId, type: 'feedback', text: legal ? LEGAL : CALM[(round + i) % CALM.length] }).expect(202);
          accepted.add(customerId, id, legal);
          return id;
        }),
      );
    try {
      worker = await startChildWorker({ address: server.address, taskQueue });
      for (let round = 0; round < 4; round++) await post(round);
      const beforeStop = accepted.ids;
      await server.stop();
      for (let round = 4; round < 8; round++) await post(round);
      server = await start();
      if (worker.child.exitCode !== null || worker.child.signalCode !== null) worker = await startChildWorker({ address: server.address, taskQueue });
      for (let round = 8; round < 10; round++) await post(round);
      await waitDelivered(accepted.ids, 90_000);
      // And a delivery whose acknowledgement was lost: the sweep sends round 1 again.
      await forgetDelivery(beforeStop.filter((id) => id.endsWith('-1')));
      await waitDelivered(accepted.ids);
      await expectExactlyOnce(accepted, client);
    } finally {
      await api.journeys.stopSweep();
      await worker?.stop();
      await connection.close();
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
