// Consent by purpose: without `analysis` a signal is kept but never analysed or alerted on; each
// purpose's decision is recorded with its source and time; without `training` nothing of the
// customer is exported for retraining.
import { expect } from 'chai';
import { surveyLabels } from '../../db/labels';
import { eventually, h, uniqueCustomer, useApi, waitProcessed } from '../harness';

const LEGAL = 'If this is not refunded by Friday my lawyer will file a lawsuit against you.';

describe('consent by purpose', () => {
  const api = useApi();

  it('without analysis consent a signal is recorded but not analysed, and raises no alert; consent given again, the next one is', async () => {
    const customerId = uniqueCustomer('no-analysis');
    await api.http.put(`/v1/customers/${customerId}`).send({ consents: { analysis: false } }).expect(201);
    const kept = await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', language: 'en', text: LEGAL }).expect(202);
    await waitProcessed(customerId, 1);

    const { body } = await api.http.get(`/v1/signals/${kept.body.signalId}`).expect(200);
    expect(body.signal.text, 'kept for the record').to.equal(LEGAL);
    expect(body.analysis).to.equal(null);
    expect(body.analysisWithheld).to.equal('no_analysis_consent');
    expect(await h().db('analyses').where({ signal_id: kept.body.signalId }).first()).to.equal(undefined);
    expect((await api.http.get('/v1/alerts').query({ customerId, status: 'active' })).body.items).to.have.length(0);
    const customer = (await api.http.get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(customer.riskProfile.score, 'no score from a withheld signal').to.equal(null);

    await api.http.put(`/v1/customers/${customerId}`).send({ consents: { analysis: true } }).expect(200);
    await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', language: 'en', text: LEGAL }).expect(202);
    await waitProcessed(customerId, 2);
    const alerts = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items, 10_000, 'the alert');
    expect(alerts.map((a: { type: string }) => a.type)).to.include('legal_threat');
  });

  it('records each purpose’s decision with its source and time, and keeps the time of what did not change', async () => {
    const customerId = uniqueCustomer('consent');
    const first = await api.http
      .put(`/v1/customers/${customerId}`)
      .send({ phone: '+4915112345678', consents: { sms: true, analysis: true, training: false }, consentSource: 'web-form:signup' })
      .expect(201);
    expect(first.body.consents).to.deep.equal({ sms: true, email: false, analysis: true, training: false });
    for (const purpose of ['sms', 'email', 'analysis', 'training']) expect(first.body.consentDetails[purpose]).to.include({ source: 'web-form:signup' });
    expect(Date.parse(first.body.consentDetails.sms.at)).to.be.closeTo(Date.now(), 60_000);

    await new Promise((r) => setTimeout(r, 20));
    const second = await api.http.put(`/v1/customers/${customerId}`).send({ phone: '+4915112345678', consents: { sms: false, analysis: true, training: false } }).expect(200);
    expect(second.body.consentDetails.sms).to.include({ granted: false, source: 'api-key:test-admin' });
    expect(second.body.consentDetails.analysis, 'unchanged: same source and time').to.deep.equal(first.body.consentDetails.analysis);
    expect((await api.http.put(`/v1/customers/${customerId}`).send({ consentSource: 'x'.repeat(101) })).status).to.equal(400);
    expect((await api.http.put(`/v1/customers/${customerId}`).send({ consents: { marketing: true } })).status).to.equal(400);
  });

  it('exports for retraining only the survey comments of customers who consented to training', async () => {
    const yes = uniqueCustomer('train-yes');
    const no = uniqueCustomer('train-no');
    const silent = uniqueCustomer('train-unset');
    await api.http.put(`/v1/customers/${yes}`).send({ consents: { training: true } }).expect(201);
    await api.http.put(`/v1/customers/${no}`).send({ consents: { training: false } }).expect(201);
    for (const customerId of [yes, no, silent]) {
      await api.http
        .post('/v1/signals')
        .send({ customerId, type: 'survey_response', language: 'en', text: `comment of ${customerId}`, metadata: { nps: 2 } })
        .expect(202);
    }
    const texts = (await surveyLabels(h().db)).map((l) => l.text);
    expect(texts).to.include(`comment of ${yes}`);
    expect(texts).to.not.include(`comment of ${no}`);
    expect(texts, 'no recorded decision is no consent').to.not.include(`comment of ${silent}`);
  });
});
