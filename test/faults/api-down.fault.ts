import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { freePort } from '../../scripts/temporal-cli';
import { eventually, h, log, startApi, startWorker, testConfig, uniqueCustomer } from '../harness';
import { Accepted, CALM, expectExactlyOnce, forgetDelivery, LEGAL, waitDelivered } from './faults';

describe('fault: the API stops between accepting signals and delivering them', () => {
  it('what one API accepted and never delivered, or delivered without marking it, another delivers once', async function () {
    this.timeout(120_000);
    const taskQueue = `fault-api-${randomUUID()}`;
    const base = testConfig();
    const config = { ...base, temporal: { ...base.temporal, taskQueue } };
    const worker = await startWorker(taskQueue);
    const customers = Array.from({ length: 3 }, () => uniqueCustomer('apidown'));
    const accepted = new Accepted();
    const post = (http: supertest.Agent, round: number) =>
      Promise.all(
        customers.map(async (customerId, i) => {
          const legal = i === 1 && round === 2;
          const id = `${customerId}-${round}`;
          await http.post('/v1/signals').send({ id, customerId, type: 'feedback', text: legal ? LEGAL : CALM[(round + i) % CALM.length] }).expect(202);
          accepted.add(customerId, id, legal);
          return id;
        }),
      );

    // A first API delivers rounds 0-1; then it "dies" before marking round 1 delivered.
    const first = startApi(config);
    await post(first.http, 0);
    const unmarked = await post(first.http, 1);
    await waitDelivered(accepted.ids);
    await first.journeys.drain();
    await forgetDelivery(unmarked);

    // A second API accepts rounds 2-4 (recorded, 202) but cannot reach Temporal before it stops.
    const dead = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: '500ms' });
    const offline = createApp({ config, db: h().db, client: new Client({ connection: dead }), log, codec: h().codec });
    const offlineHttp = supertest.agent(offline.app).set('Authorization', `Bearer ${h().adminKey}`);
    const undelivered = (await Promise.all([2, 3, 4].map((round) => post(offlineHttp, round)))).flat();
    await offline.journeys.drain();
    await dead.close().catch(() => undefined);
    const rows = await h().db('signals').whereIn('id', undelivered).select('delivery_status');
    expect(rows.map((r) => r.delivery_status)).to.deep.equal(undelivered.map(() => 'pending'));

    // A healthy API's sweep delivers what is pending: the unmarked ones a second time.
    const healthy = startApi(config);
    healthy.journeys.startSweep(200, 0);
    try {
      await waitDelivered(accepted.ids);
      await post(healthy.http, 5);
      await expectExactlyOnce(accepted, h().client, 60_000);
      await eventually(async () => (await h().db('signals').whereIn('id', accepted.ids).where('delivery_status', 'pending').first()) === undefined, 10_000, 'nothing pending');
    } finally {
      await healthy.journeys.stopSweep();
      await worker.stop();
    }
  });
});
