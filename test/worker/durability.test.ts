import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import { createApp } from '../../api/app';
import { freePort } from '../../scripts/temporal-cli';
import { eventually, h, log, startApi, startWorker, testConfig, uniqueCustomer, waitProcessed } from '../harness';

describe('an accepted signal is never lost', () => {
  const countRows = async (table: string, where: Record<string, string>) => Number((await h().db(table).where(where).count({ n: '*' }).first())!.n);

  it('survives a worker restart: accepted while no worker runs, processed once when one is back', async () => {
    const taskQueue = `restart-${randomUUID()}`;
    const config = testConfig();
    const api = startApi({ ...config, temporal: { ...config.temporal, taskQueue } });
    const customerId = uniqueCustomer();

    const first = await startWorker(taskQueue);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: 'All good so far.' }).expect(202);
    await waitProcessed(customerId, 1);
    await first.stop();

    const { body } = await api.http
      .post('/v1/signals')
      .send({ id: `legal-${customerId}`, customerId, type: 'feedback', text: 'I have instructed my attorney to file a lawsuit against you.' })
      .expect(202);
    await eventually(async () => (await h().db('signals').where({ id: body.signalId }).first())?.delivery_status === 'delivered', 10_000, 'delivery');
    expect((await api.http.get(`/v1/signals/${body.signalId}`)).body.analysis, 'no worker, no analysis yet').to.equal(null);

    const second = await startWorker(taskQueue);
    try {
      await waitProcessed(customerId, 2);
      expect(await countRows('analyses', { signal_id: body.signalId })).to.equal(1);
      const alerts = (await api.http.get('/v1/alerts').query({ customerId })).body.items;
      expect(alerts.map((a: { type: string }) => a.type)).to.include('legal_threat');
    } finally {
      await second.stop();
    }
  });

  it('is recorded while Temporal is unreachable and delivered by the sweep once it is back', async () => {
    const deadConnection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: '500ms' });
    const offline = createApp({ config: testConfig(), db: h().db, client: new Client({ connection: deadConnection }), log, codec: h().codec });
    const supertest = (await import('supertest')).default;
    const customerId = uniqueCustomer();
    const res = await supertest(offline.app).post('/v1/signals').set('Authorization', `Bearer ${h().adminKey}`).send({ customerId, type: 'cancellation_request', text: 'Cancel my contract now.' });
    expect(res.status).to.equal(202);
    const row = await eventually(async () => {
      const r = await h().db('signals').where({ id: res.body.signalId }).first();
      return r.delivery_attempts >= 1 ? r : null;
    }, 20_000, 'a failed delivery attempt');
    expect(row.delivery_status).to.equal('pending');
    expect(row.last_delivery_error).to.be.a('string');
    await deadConnection.close().catch(() => undefined);

    // Temporal is "back": a healthy API process sweeps what is pending.
    const { journeys } = startApi();
    journeys.startSweep(200, 0);
    try {
      const profile = await waitProcessed(customerId, 1, 20_000);
      expect(profile.signalsProcessed).to.equal(1);
      expect((await h().db('signals').where({ id: res.body.signalId }).first()).delivery_status).to.equal('delivered');
    } finally {
      await journeys.stopSweep();
    }
  });
});
