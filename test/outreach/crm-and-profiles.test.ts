import { expect } from 'chai';
import { signSurveyToken } from '../../integrations/survey-link';
import { eventually, startApi, testConfig, uniqueCustomer, waitProcessed } from '../harness';
import { ANGRY, CRM_TOKEN, FAST_POLICY, startRig, type Rig } from './rig';

describe('CRM webhook: authenticated, validated, idempotent journey starts', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig?.stop();
  });
  const crm = (body: unknown, token = CRM_TOKEN) => rig.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${token}`).send(body as object);

  it('refuses a missing or wrong token with 401, and is disabled (403) when no token is configured', async () => {
    const body = { eventId: 'e-auth', event: 'signal', customerId: 'c-auth', reason: 'renewal_at_risk' };
    expect((await rig.http.post('/v1/webhooks/crm').send(body).expect(401)).body.error.code).to.equal('unauthorized');
    await crm(body, 'wrong-token').expect(401);
    const plain = startApi(testConfig());
    await plain.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${CRM_TOKEN}`).send(body).expect(403);
  });

  it('names the bad field and changes nothing', async () => {
    const res = await crm({ eventId: 'e-bad', event: 'signal', customerId: 'c-bad', reason: 'Renewal At Risk!' }).expect(400);
    expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include('reason');
    await crm({ eventId: 'e-bad2', event: 'signal', reason: 'renewal_at_risk' }).expect(400);
    await crm({ eventId: 'e-bad3', event: 'case_closed', caseId: '500000000000000AAA' }).expect(404);
  });

  it('starts the customer’s journey once, however often the CRM retries; another payload under the same eventId is a 409', async () => {
    const customerId = uniqueCustomer('crm');
    const body = { eventId: `sf-${customerId}`, event: 'signal', customerId, reason: 'case_closed_unhappy', text: 'Customer closed the case unhappy and mentioned cancelling.', language: 'en' };
    const first = await crm(body).expect(202);
    expect(first.body).to.include({ signalId: `crm/sf-${customerId}`, workflowId: `customer-journey/${customerId}`, duplicate: false });
    const again = await crm(body).expect(202);
    expect(again.body.duplicate).to.equal(true);
    await crm({ ...body, reason: 'renewal_at_risk' }).expect(409);
    const profile = await waitProcessed(customerId, 1);
    await new Promise((r) => setTimeout(r, 500));
    expect((await waitProcessed(customerId, 1)).signalsProcessed, 'processed once').to.equal(profile.signalsProcessed).and.equal(1);
    const signal = (await rig.http.get(`/v1/signals/${encodeURIComponent(`crm/sf-${customerId}`)}`).expect(200)).body.signal;
    expect(signal).to.include({ type: 'support_ticket', channel: 'crm', rootCause: 'case_closed_unhappy' });
  });

  it('finds the customer by their CRM external id', async () => {
    const customerId = uniqueCustomer('ext');
    const externalId = `003${Date.now()}`.slice(0, 18);
    await rig.http.put(`/v1/customers/${customerId}`).send({ externalId, name: 'Kim' }).expect(201);
    const res = await crm({ eventId: `sf-ext-${customerId}`, event: 'signal', externalId, reason: 'renewal_at_risk', signalType: 'cancellation_request' }).expect(202);
    expect(res.body.customerId).to.equal(customerId);
    await waitProcessed(customerId, 1);
  });
});

describe('customer profiles, the outbox (no credentials) and the survey page', () => {
  const config = () => testConfig({ outreach: { ...FAST_POLICY, quietHours: null } });
  let http: ReturnType<typeof startApi>['http'];
  before(() => {
    http = startApi(config()).http;
  });

  it('PUT /v1/customers/:id validates each field, creates (201) then replaces (200), and GET shows the profile', async () => {
    const id = uniqueCustomer('profile');
    const bad = await http.put(`/v1/customers/${id}`).send({ phone: '0151 123', timeZone: 'Mars/Olympus', consents: { sms: 'yes' } }).expect(400);
    expect(bad.body.error.details.map((d: { field: string }) => d.field).sort()).to.deep.equal(['consents.sms', 'phone', 'timeZone']);
    await http.get(`/v1/customers/${id}`).expect(404);
    const created = await http.put(`/v1/customers/${id}`).send({ name: 'Lea', phone: '+4915112345678', locale: 'de', timeZone: 'Europe/Berlin', consents: { sms: true } }).expect(201);
    expect(created.body.consents).to.deep.equal({ sms: true, email: false, analysis: true, training: false });
    await http.put(`/v1/customers/${id}`).send({ name: 'Lea M.', phone: '+4915112345678' }).expect(200);
    const got = (await http.get(`/v1/customers/${id}`).expect(200)).body;
    expect(got.profile).to.include({ name: 'Lea M.', timeZone: null });
    expect(got.profile.consents.sms, 'PUT replaces: consent not repeated is withdrawn').to.equal(false);
  });

  it('without Twilio credentials the SMS is recorded in the outbox, visible through the API, with a working German survey link', async () => {
    const customerId = uniqueCustomer('outbox');
    await http.put(`/v1/customers/${customerId}`).send({ name: 'Lea', phone: '+4915199999999', locale: 'de', consents: { sms: true } }).expect(201);
    await http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    const [o] = await eventually(async () => {
      const items = (await http.get(`/v1/customers/${customerId}/outreach`).expect(200)).body.items;
      return items[0]?.messages?.[0]?.status === 'recorded' ? items : null;
    }, 20_000, 'outbox message');
    const m = o.messages[0];
    expect(m).to.include({ kind: 'survey', channel: 'sms', provider: 'outbox', to: '+4915199999999' });
    const outbox = (await http.get('/v1/outbox').query({ customerId }).expect(200)).body.items;
    expect(outbox).to.have.length(1);
    expect(outbox[0]).to.include({ kind: 'sms', recipient: '+4915199999999', body: m.body });

    const path = new URL(m.surveyLink).pathname;
    const page = await http.get(path).expect(200);
    expect(page.text).to.include('Wie wahrscheinlich').and.include('lang="de"');
    const json = (await http.get(`/v1/surveys/${path.slice(3)}`).expect(200)).body;
    expect(json).to.include({ outreachId: o.id, answered: false, locale: 'de' });
    await http.post(`/v1/surveys/${path.slice(3)}`).send({ score: 11 }).expect(400);
    await http.post(`/v1/surveys/${path.slice(3)}`).send({ score: 2 }).expect(201);
    await http.post(`/v1/surveys/${path.slice(3)}`).send({ score: 2 }).expect(409);
    // Escalated without Salesforce credentials: the case is in the outbox too.
    await eventually(async () => {
      const items = (await http.get('/v1/outbox').query({ customerId }).expect(200)).body.items;
      return items.some((i: { kind: string }) => i.kind === 'crm_case') ? items : null;
    }, 20_000, 'case in the outbox');
  });

  it('a forged survey link is 404, an expired one 410', async () => {
    const secret = testConfig().survey.secret;
    const expired = signSurveyToken(secret, { o: 'nobody/1', e: Math.floor(Date.now() / 1000) - 10, r: 'x' });
    await http.get(`/s/${expired}`).expect(410);
    await http.post(`/v1/surveys/${expired}`).send({ score: 5 }).expect(410);
    const forged = signSurveyToken('not-our-secret', { o: 'nobody/1', e: Math.floor(Date.now() / 1000) + 600, r: 'x' });
    await http.get(`/s/${forged}`).expect(404);
    await http.post(`/s/${forged}`).type('form').send({ score: '5' }).expect(404);
  });
});
