import { expect } from 'chai';
import supertest from 'supertest';
import { eventually, uniqueCustomer } from '../harness';
import { startFaultyProxy } from './faults';
import { ANGRY, linkIn, putCustomer, startRig, waitForSms } from '../outreach/rig';

describe('fault: Salesforce answers 500, 429, loses a reply and times out', () => {
  it('an escalation still makes exactly one case, and its id is the one stored', async function () {
    this.timeout(150_000);
    let proxy: Awaited<ReturnType<typeof startFaultyProxy>> | undefined;
    const creates = (method: string, path: string) => method === 'POST' && /\/sobjects\/Case\/?$/.test(path);
    const rig = await startRig({}, { salesforce: async (url) => (proxy = await startFaultyProxy(url, ['500', '429', 'hang', 'lose'], creates)).url });
    try {
      const customerId = uniqueCustomer('crm');
      const phone = await putCustomer(rig, customerId);
      await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
      const [sms] = await waitForSms(rig, phone);
      await supertest(rig.api.app).post(linkIn(sms.body).path).type('form').send({ score: '0', comment: 'Nothing works.' }).expect(200);
      const alert = await eventually(async () => (await rig.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation' })).body.items[0], 20_000, 'escalation alert');
      // 500 and 429 are retried within seconds, the held request after the attempt's 30 s timeout, then the lost reply.
      const caseId = await eventually(async () => (await rig.http.get(`/v1/alerts/${alert.id}`)).body.metadata?.crmCaseId, 90_000, 'the case id stored on the alert');
      expect(proxy!.faults, 'every fault met').to.deep.equal([]);
      const cases = rig.salesforce.cases.filter((c) => c.Engagement_Escalation_Id__c === alert.id);
      expect(cases.map((c) => c.Id), 'one case, the stored one').to.deep.equal([caseId]);
      expect(rig.twilio.messages.filter((m) => m.to === phone), 'one SMS').to.have.length(1);
    } finally {
      await rig.stop();
      await proxy?.close();
    }
  });
});
