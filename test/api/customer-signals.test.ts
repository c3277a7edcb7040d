// GET /v1/customers/:id/signals: the console's risk score over time and its list of signals.
import { expect } from 'chai';
import { createKey, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('GET /v1/customers/:id/signals', () => {
  const api = useApi();

  it('lists the newest signals with their analyses, oldest first, within the limit', async () => {
    const customerId = uniqueCustomer();
    const t0 = Date.now() - 60 * 60_000;
    const texts = ['The app is fine, thanks', 'The app keeps crashing and nobody answers', 'I will sue you, my lawyer will contact you'];
    for (const [i, text] of texts.entries()) {
      await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text, occurredAt: new Date(t0 + i * 60_000).toISOString() }).expect(202);
    }
    await waitProcessed(customerId, 3);
    const ops = await createKey('operator');
    const all = await api.anon.get(`/v1/customers/${customerId}/signals`).set('Authorization', ops.auth).expect(200);
    expect(all.body.items.map((i: { signal: { text: string } }) => i.signal.text)).to.deep.equal(texts);
    for (const item of all.body.items) {
      expect(item.analysis.score).to.be.within(0, 1);
      expect(item.analysis.contributions).to.be.an('array').that.is.not.empty;
    }
    expect(all.body.items[2].analysis.legalThreat).to.equal(true);
    const two = await api.anon.get(`/v1/customers/${customerId}/signals?limit=2`).set('Authorization', ops.auth).expect(200);
    expect(two.body.items.map((i: { signal: { text: string } }) => i.signal.text)).to.deep.equal(texts.slice(1));
  });

  it('answers 404 for an unknown customer, 400 for a bad limit, 403 for an ingest key or another customer’s key', async () => {
    const customerId = uniqueCustomer();
    await api.http.get(`/v1/customers/${uniqueCustomer('nobody')}/signals`).expect(404);
    await api.http.get(`/v1/customers/${customerId}/signals?limit=0`).expect(400);
    await api.http.get(`/v1/customers/${customerId}/signals?since=yesterday`).expect(400);
    await api.anon.get(`/v1/customers/${customerId}/signals`).set('Authorization', (await createKey('ingest')).auth).expect(403);
    await api.anon.get(`/v1/customers/${customerId}/signals`).set('Authorization', (await createKey('operator', { customerIds: ['someone-else'] })).auth).expect(403);
  });
});
