import { expect } from 'chai';
import type { Client } from '@temporalio/client';
import { coalescing, createIngest } from '../../api/ingest';
import { MAX_SENDING } from '../../api/journeys';
import { signalFromRow } from '../../db/signals';
import { journeyWorkflowId } from '../../domain/messages';
import { h, startApi, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

type SignalWithStartArgs = Parameters<Client['workflow']['signalWithStart']>;

/** The real test client, with its workflow.signalWithStart passed through `around`. */
function withSignalWithStart(around: (args: SignalWithStartArgs, send: () => ReturnType<Client['workflow']['signalWithStart']>) => ReturnType<Client['workflow']['signalWithStart']>): Client {
  const real = h().client;
  const workflow = new Proxy(real.workflow, {
    get(target, key) {
      if (key === 'signalWithStart') return (...args: SignalWithStartArgs) => around(args, () => target.signalWithStart(...args));
      const value = Reflect.get(target, key, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return new Proxy(real, { get: (target, key) => (key === 'workflow' ? workflow : Reflect.get(target, key, target)) });
}

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

  it('signals handed over in the same moment are one statement; a full group is written at once; a failed write fails each of its callers', async () => {
    const customerId = uniqueCustomer('group');
    const inserts: string[] = [];
    // The writes of signals and the look-ups of their stored payload hashes (not the gateway's delivery marks).
    const onQuery = (q: { sql: string }) => /^(insert into "signals"|select "id", "payload_hash" from "signals")/i.test(q.sql) && inserts.push(q.sql);
    const accept = coalescing(createIngest({ db: h().db, journeys: api.journeys }), 2, 100);
    h().db.on('query', onQuery);
    try {
      const results = await Promise.all(Array.from({ length: 60 }, (_, i) => accept([{ id: `${customerId}-${i}`, customerId, type: 'login' }])));
      // New signals only: the insert alone, no look-up of stored payload hashes after it.
      expect(inserts, 'one statement for 60 callers').to.have.length(1);
      results.forEach((r, i) => expect([r.records[0].signal.id, r.statuses[0]]).to.deep.equal([`${customerId}-${i}`, 'accepted']));
      inserts.length = 0;
      // 150 in one tick with groups of at most 100: written as 100 at once, then the other 50.
      await Promise.all(Array.from({ length: 150 }, (_, i) => accept([{ id: `${customerId}-b${i}`, customerId, type: 'login' }])));
      expect(inserts, 'two inserts for 150 callers').to.have.length(2);
      inserts.length = 0;
      // Sent again, with one new: the insert, then the look-up of the ones it found stored.
      const again = await Promise.all([`${customerId}-0`, `${customerId}-c0`].map((id) => accept([{ id, customerId, type: 'login' }])));
      expect(again.map((r) => r.statuses[0])).to.deep.equal(['duplicate', 'accepted']);
      expect(inserts, 'an insert and a look-up').to.have.length(2);
    } finally {
      h().db.removeListener('query', onQuery);
    }
    const failing = coalescing(async () => {
      throw new Error('database unavailable');
    });
    const outcomes = await Promise.allSettled([failing([{ customerId, type: 'login' }]), failing([{ customerId, type: 'login' }])]);
    expect(outcomes.map((o) => o.status)).to.deep.equal(['rejected', 'rejected']);
    await waitProcessed(customerId, 211, 30_000);
  });

  it("a journey whose delivery to Temporal is slow holds up only its own signals, which then go together, in order", async function () {
    this.timeout(60_000);
    // Temporal turns a journey's signals away for a while when it continues as new (the client
    // retries): here the real client's signalWithStart to one journey waits until released.
    const slow = uniqueCustomer('slow');
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const client = withSignalWithStart(async (args, send) => {
      if (args[1].workflowId === journeyWorkflowId(slow)) await held;
      return send();
    });
    const api = startApi(testConfig(), client);
    try {
      await api.http.post('/v1/signals').send({ id: `${slow}-1`, customerId: slow, type: 'feedback', text: 'first' }).expect(202);
      await new Promise((r) => setTimeout(r, 50));
      await api.http.post('/v1/signals').send({ id: `${slow}-2`, customerId: slow, type: 'feedback', text: 'second' }).expect(202);
      await api.http.post('/v1/signals').send({ id: `${slow}-3`, customerId: slow, type: 'feedback', text: 'third' }).expect(202);
      // Another customer's signal is processed while the slow journey's delivery still waits.
      const other = uniqueCustomer('other');
      await api.http.post('/v1/signals').send({ customerId: other, type: 'login' }).expect(202);
      expect((await waitProcessed(other, 1, 10_000)).signalsProcessed).to.equal(1);
      const pending = await h().db('signals').where({ customer_id: slow }).orderBy('id').select('id', 'delivery_status');
      expect(pending.map((r) => r.delivery_status)).to.deep.equal(['pending', 'pending', 'pending']);
    } finally {
      release();
    }
    await api.journeys.drain();
    expect((await waitProcessed(slow, 3)).signalsProcessed).to.equal(3);
    // The first signal went alone; the two accepted while it waited went together, after it.
    const { events } = await h().client.workflow.getHandle(journeyWorkflowId(slow)).fetchHistory();
    expect(events!.filter((e) => e.workflowExecutionSignaledEventAttributes).length).to.equal(2);
    const analyses = await h().db('analyses').join('signals', 'signals.id', 'analyses.signal_id').where('signals.customer_id', slow).orderBy([{ column: 'analyses.created_at' }, { column: 'signals.id' }]).select('signals.id');
    expect(analyses.map((r) => r.id)).to.deep.equal([`${slow}-1`, `${slow}-2`, `${slow}-3`]);
    const delivered = await h().db('signals').where({ customer_id: slow }).select('delivery_status');
    expect(delivered.map((r) => r.delivery_status)).to.deep.equal(['delivered', 'delivered', 'delivered']);
  });

  it(`a batch of new customers is delivered with at most ${MAX_SENDING} journeys in flight at once, and every signal arrives`, async function () {
    this.timeout(60_000);
    // More calls at once only queue inside Temporal until they outlive their deadline.
    let inFlight = 0;
    let most = 0;
    const client = withSignalWithStart(async (_args, send) => {
      most = Math.max(most, ++inFlight);
      try {
        await new Promise((r) => setTimeout(r, 20));
        return await send();
      } finally {
        inFlight--;
      }
    });
    const api = startApi(testConfig(), client);
    const customers = Array.from({ length: 3 * MAX_SENDING }, () => uniqueCustomer('many'));
    await api.http.post('/v1/signals/batch').send({ signals: customers.map((customerId) => ({ customerId, type: 'login' })) }).expect(202);
    await api.journeys.drain();
    expect(most, 'signalWithStart calls in flight at once').to.equal(MAX_SENDING);
    const rows = await h().db('signals').whereIn('customer_id', customers).select('delivery_status');
    expect(rows.map((r) => r.delivery_status)).to.deep.equal(customers.map(() => 'delivered'));
    // The sweep's redelivery of a page of pending signals keeps to the same bound.
    most = 0;
    const again = await h().db('signals').whereIn('customer_id', customers).select('*');
    await api.journeys.deliver(again.map((r) => ({ signal: signalFromRow(r), workflowId: r.workflow_id })));
    expect(most, 'signalWithStart calls in flight at once, sweep').to.equal(MAX_SENDING);
  });
});
