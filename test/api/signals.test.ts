import { expect } from 'chai';
import { h, eventually, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('POST /v1/signals', () => {
  const api = useApi();

  const countRows = async (table: string, where: Record<string, string>) => Number((await h().db(table).where(where).count({ n: '*' }).first())!.n);

  describe('validation: a clear 400 naming the field, and nothing changes', () => {
    const cases: Array<[string, Record<string, unknown>, string, RegExp]> = [
      ['missing customerId', { type: 'feedback', text: 'hi' }, 'customerId', /./],
      ['unknown type', { customerId: 'x', type: 'tweet' }, 'type', /expected one of/i],
      ['bad occurredAt', { customerId: 'x', type: 'feedback', occurredAt: 'yesterday' }, 'occurredAt', /datetime/i],
      ['occurredAt far in the future', { customerId: 'x', type: 'feedback', occurredAt: '2999-01-01T00:00:00Z' }, 'occurredAt', /future/],
      ['latitude out of range', { customerId: 'x', type: 'feedback', location: { lat: 91, lon: 0 } }, 'location.lat', /90/],
      ['rootCause not a slug', { customerId: 'x', type: 'feedback', rootCause: 'Late Flight' }, 'rootCause', /slug/],
      ['upstream churn above 1', { customerId: 'x', type: 'feedback', analysis: { churn: 1.5 } }, 'analysis.churn', /1/],
      ['unknown field', { customerId: 'x', type: 'feedback', sentimant: -1 }, 'sentimant', /unknown field/],
    ];
    for (const [name, body, field, reason] of cases) {
      it(`refuses ${name}`, async () => {
        const res = await api.http.post('/v1/signals').send(body);
        expect(res.status).to.equal(400);
        expect(res.body.error.code).to.equal('invalid_input');
        const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
        expect(detail, JSON.stringify(res.body.error.details)).to.exist;
        expect(detail.reason).to.match(reason);
      });
    }

    it('refuses invalid JSON with 400', async () => {
      const res = await api.http.post('/v1/signals').set('content-type', 'application/json').send('{"customerId": ');
      expect(res.status).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_json');
    });

    it('refuses an oversized body with 413', async () => {
      const res = await api.http.post('/v1/signals').send({ customerId: 'x', type: 'feedback', text: 'a'.repeat(1_100_000) });
      expect(res.status).to.equal(413);
      expect(res.body.error.code).to.equal('payload_too_large');
    });

    it('refuses a whole batch when one item is invalid, recording none of it', async () => {
      const customerId = uniqueCustomer();
      const res = await api.http.post('/v1/signals/batch').send({
        signals: [
          { customerId, type: 'feedback', text: 'fine' },
          { customerId, type: 'nope' },
        ],
      });
      expect(res.status).to.equal(400);
      expect(res.body.error.details[0].field).to.equal('signals.1.type');
      expect(await countRows('signals', { customer_id: customerId })).to.equal(0);
    });
  });

  describe('idempotency by id', () => {
    it('accepts the same id twice once: one analysis, one alert', async () => {
      const customerId = uniqueCustomer();
      const body = { id: `sig-${customerId}`, customerId, type: 'feedback' as const, text: 'I will sue you, my lawyer is already informed.', language: 'en' };
      const first = await api.http.post('/v1/signals').send(body);
      const second = await api.http.post('/v1/signals').send(body);
      expect(first.status).to.equal(202);
      expect(second.status).to.equal(202);
      expect(second.body).to.include({ signalId: body.id, duplicate: true });
      await waitProcessed(customerId);
      // A third delivery straight to Temporal (as if the relay retried) is recognised too.
      await api.journeys.deliver([{ signal: { ...body, channel: null, occurredAt: new Date().toISOString(), location: null, rootCause: null, analysis: null, metadata: null }, workflowId: first.body.workflowId }]);
      // Signals are processed in order: once this marker is processed, the redelivery was handled.
      await api.http.post('/v1/signals').send({ customerId, type: 'login' }).expect(202);
      const profile = await waitProcessed(customerId, 2);
      expect(profile.signalsProcessed).to.equal(2);
      expect(await countRows('analyses', { signal_id: body.id })).to.equal(1);
      expect(await countRows('alerts', { customer_id: customerId })).to.equal(1);
    });

    it('answers 409 when an id is reused with another payload, and keeps the first', async () => {
      const customerId = uniqueCustomer();
      const id = `sig-${customerId}`;
      await api.http.post('/v1/signals').send({ id, customerId, type: 'feedback', text: 'first' }).expect(202);
      const res = await api.http.post('/v1/signals').send({ id, customerId, type: 'feedback', text: 'second' });
      expect(res.status).to.equal(409);
      expect(res.body.error.code).to.equal('idempotency_conflict');
      const stored = await api.http.get(`/v1/signals/${id}`);
      expect(stored.body.signal.text).to.equal('first');
    });

    it('reports per-item results for a batch, including duplicates inside it', async () => {
      const customerId = uniqueCustomer();
      const res = await api.http.post('/v1/signals/batch').send({
        signals: [
          { id: `${customerId}-1`, customerId, type: 'feedback', text: 'ok' },
          { id: `${customerId}-1`, customerId, type: 'feedback', text: 'ok' },
          { id: `${customerId}-1`, customerId, type: 'feedback', text: 'different' },
          { customerId, type: 'login' },
        ],
      });
      expect(res.status).to.equal(202);
      expect(res.body).to.include({ accepted: 2, duplicates: 1, conflicts: 1 });
      expect(res.body.items.map((i: { status: number }) => i.status)).to.deep.equal([202, 202, 409, 202]);
      expect(await countRows('signals', { customer_id: customerId })).to.equal(2);
    });
  });

  describe('GET /v1/signals/:id', () => {
    it('returns the signal and, once done, its analysis with contributions and model version', async () => {
      const customerId = uniqueCustomer();
      const { body } = await api.http
        .post('/v1/signals')
        .send({ customerId, type: 'review', text: 'The delivery was late again, terrible service, I want a refund', language: 'en' })
        .expect(202);
      const found = await eventually(async () => {
        const r = await api.http.get(`/v1/signals/${body.signalId}`);
        return r.body.analysis ? r.body : null;
      });
      expect(found.signal).to.include({ id: body.signalId, customerId, type: 'review' });
      expect(found.analysis.label).to.equal('negative');
      expect(found.analysis.source).to.equal('model');
      expect(found.analysis.risk).to.have.all.keys('churn', 'escalation', 'legal', 'reputation', 'financial');
      expect(found.analysis.contributions).to.be.an('array').that.is.not.empty;
      expect(found.analysis.modelVersion).to.be.a('string');
    });

    it('answers 404 for an unknown signal', async () => {
      const res = await api.http.get('/v1/signals/does-not-exist');
      expect(res.status).to.equal(404);
      expect(res.body.error.code).to.equal('not_found');
    });
  });

  describe('rule thresholds end to end, with upstream analysis', () => {
    const alertTypes = async (analysis: Record<string, unknown>) => {
      const customerId = uniqueCustomer();
      await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis }).expect(202);
      await waitProcessed(customerId);
      const list = await api.http.get('/v1/alerts').query({ customerId });
      return list.body.items.map((a: { type: string }) => a.type);
    };

    it('fires churn_signal at churn 0.51 / sentiment -0.31 but not at 0.5 / -0.3', async () => {
      expect(await alertTypes({ churn: 0.51, sentiment: -0.31 })).to.deep.equal(['churn_signal']);
      expect(await alertTypes({ churn: 0.5, sentiment: -0.31 })).to.deep.equal([]);
      expect(await alertTypes({ churn: 0.51, sentiment: -0.3 })).to.deep.equal([]);
    });

    it('records upstream values as upstream in the analysis', async () => {
      const customerId = uniqueCustomer();
      const { body } = await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: 'Great!', analysis: { legal: 0.71 } }).expect(202);
      const found = await eventually(async () => (await api.http.get(`/v1/signals/${body.signalId}`)).body.analysis);
      expect(found.source).to.equal('upstream');
      expect(found.risk.legal).to.equal(0.71);
      const alerts = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items[0]);
      expect(alerts).to.include({ type: 'legal_threat', severity: 'crisis' });
    });
  });
});
