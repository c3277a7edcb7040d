import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import supertest from 'supertest';
import type { Config } from '../../config';
import { createIntegrations } from '../../integrations';
import { startFakeSalesforce } from '../fakes/salesforce';
import { startFakeTwilio } from '../fakes/twilio';
import { eventually, h, startApi, startWorker, testConfig, uniqueCustomer } from '../harness';
import { startFaultyProxy } from './faults';
import { ANGRY, FAST_POLICY, linkIn, PUBLIC_BASE_URL, putCustomer, waitForSms } from '../outreach/rig';

describe('fault: Salesforce answers 500, 429, loses a reply and times out', () => {
  it('an escalation still makes exactly one case, and its id is the one stored', async function () {
    this.timeout(150_000);
    const accountSid = `AC${randomUUID().replace(/-/g, '')}`;
    const authToken = randomUUID().replace(/-/g, '');
    const accessToken = `00D!${randomUUID()}`;
    const twilio = await startFakeTwilio({ accountSid, authToken });
    const salesforce = await startFakeSalesforce({ accessToken });
    const proxy = await startFaultyProxy(salesforce.url, ['500', '429', 'hang', 'lose'], (method, path) => method === 'POST' && /\/sobjects\/Case\/?$/.test(path));
    const base = testConfig();
    const config: Config = {
      ...base,
      temporal: { ...base.temporal, taskQueue: `fault-crm-${randomUUID()}` },
      publicBaseUrl: PUBLIC_BASE_URL,
      twilio: { accountSid, authToken, from: '+15005550006', baseUrl: twilio.url },
      salesforce: { instanceUrl: proxy.url, accessToken, apiVersion: '60.0', escalationIdField: 'Engagement_Escalation_Id__c' },
      crmWebhookToken: 'crm-fault-token-0123456789',
      survey: { secret: `secret-${randomUUID()}`, isDevSecret: false },
      outreach: { ...FAST_POLICY },
    };
    const worker = await startWorker(config.temporal.taskQueue, { ...createIntegrations(config, h().db), surveySecret: config.survey.secret, publicBaseUrl: config.publicBaseUrl });
    const api = startApi(config);
    try {
      const customerId = uniqueCustomer('crm');
      const rig = { http: api.http, twilio } as Parameters<typeof putCustomer>[0];
      const phone = await putCustomer(rig, customerId);
      await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
      const [sms] = await waitForSms(rig, phone);
      await supertest(api.app).post(linkIn(sms.body).path).type('form').send({ score: '0', comment: 'Nothing works.' }).expect(200);
      const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation' })).body.items[0], 20_000, 'escalation alert');
      // 500 and 429 are retried within seconds, the held request after the attempt's 30 s timeout, then the lost reply.
      const caseId = await eventually(async () => (await api.http.get(`/v1/alerts/${alert.id}`)).body.metadata?.crmCaseId, 90_000, 'the case id stored on the alert');
      expect(proxy.faults, 'every fault met').to.deep.equal([]);
      const cases = salesforce.cases.filter((c) => c.Engagement_Escalation_Id__c === alert.id);
      expect(cases.map((c) => c.Id), 'one case, the stored one').to.deep.equal([caseId]);
      expect(twilio.messages.filter((m) => m.to === phone), 'one SMS').to.have.length(1);
    } finally {
      await worker.stop();
      await proxy.close();
      await twilio.close();
      await salesforce.close();
    }
  });
});
