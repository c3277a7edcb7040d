import { expect } from 'chai';
import { coalescing, createIngest } from '../../api/ingest';
import { h, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('POST /v1/signals under a burst: single requests share database writes', () => {
  const api = useApi();

  it('60 requests at once are each answered for themselves; the same signal sent twice at once is accepted once', async () => {
    const customers = Array.from({ length: 6 }, () => uniqueCustomer('burst'));
    const reused = `${customers[0]}-reused`;
    // How many inserts a burst takes depends on how the requests happen to arrive; the next test
    // pins the grouping down. Here: each request answered for itself.
    const responses = await Promise.all([
      ...Array.from({ length: 60 }, (_, i) => api.http.post('/v1/signals').send({ id: `${customers[i % 6]}-${i}`, customerId: customers[i % 6], type: 'feedback', text: `note ${i}` })),
      api.http.post('/v1/signals').send({ id: reused, customerId: customers[0], type: 'login' }),
      api.http.post('/v1/signals').send({ id: reused, customerId: customers[0], type: 'login' }),
    ]);
    const singles = responses.slice(0, 60);
    singles.forEach((r, i) => {
      expect(r.status, `request ${i}`).to.equal(202);
      expect(r.body).to.include({ signalId: `${customers[i % 6]}-${i}`, duplicate: false });
    });
    const [first, again] = responses.slice(60).map((r) => [r.status, r.body.duplicate]);
    expect([first, again].map(String).sort(), 'the same signal twice: once accepted, once a duplicate').to.deep.equal(['202,false', '202,true']);
    const other = await api.http.post('/v1/signals').send({ id: reused, customerId: customers[0], type: 'feedback', text: 'another payload' });
    expect([other.status, other.body.error?.code], 'the same id with another payload').to.deep.equal([409, 'idempotency_conflict']);
    // Every accepted signal reaches its journey once, in order per customer.
    for (const [i, customerId] of customers.entries()) {
      const profile = await waitProcessed(customerId, i === 0 ? 11 : 10, 30_000);
      expect(profile.signalsProcessed, customerId).to.equal(i === 0 ? 11 : 10);
    }
  });

  it('signals handed over in the same moment are one insert; a full group is written at once; a failed write fails each of its callers', async () => {
    const customerId = uniqueCustomer('group');
    const inserts: string[] = [];
    const onQuery = (q: { sql: string }) => /^insert into "signals"/i.test(q.sql) && inserts.push(q.sql);
    const accept = coalescing(createIngest({ db: h().db, journeys: api.journeys }), 2, 100);
    h().db.on('query', onQuery);
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => accept([{ id: `${customerId}-${i}`, customerId, type: 'login' }])));
      expect(inserts, 'one insert for 60 callers').to.have.length(1);
      results.forEach((r, i) => expect([r.records[0].signal.id, r.statuses[0]]).to.deep.equal([`${customerId}-${i}`, 'accepted']));
      inserts.length = 0;
      // 150 in one tick with groups of at most 100: written as 100 at once, then the other 50.
      await Promise.all(Array.from({ length: 150 }, (_, i) => accept([{ id: `${customerId}-b${i}`, customerId, type: 'login' }])));
      expect(inserts, 'two inserts for 150 callers').to.have.length(2);
    } finally {
      h().db.removeListener('query', onQuery);
    }
    const failing = coalescing(async () => {
      throw new Error('database unavailable');
    });
    const outcomes = await Promise.allSettled([failing([{ customerId, type: 'login' }]), failing([{ customerId, type: 'login' }])]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    await waitProcessed(customerId, 210, 30_000);
  });
});
