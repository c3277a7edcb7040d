import { expect } from 'chai';
import { createOutreachActivities } from '../../activities/outreach';
import { SalesforceCrm } from '../../integrations/salesforce';
import { TwilioSms } from '../../integrations/sms';
import { eventually, h, uniqueCustomer, waitProcessed } from '../harness';
import { ANGRY, FAST_POLICY, outreachOf, putCustomer, startRig, type Rig } from './rig';

describe('outreach: at most one SMS per message and one case per escalation', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig?.stop();
  });

  const activities = () =>
    createOutreachActivities({
      db: h().db,
      sms: new TwilioSms(rig.config.twilio!),
      crm: new SalesforceCrm(rig.config.salesforce!),
      surveySecret: rig.config.survey.secret,
      publicBaseUrl: rig.config.publicBaseUrl,
    });

  /** A running outreach row for a customer with a phone and SMS consent, as beginOutreach writes it. */
  async function runningOutreach(customerId: string) {
    const phone = await putCustomer(rig, customerId);
    const id = `${customerId}/1`;
    await h().db('outreaches').insert({
      id,
      customer_id: customerId,
      seq: 1,
      trigger_key: `signal:test-${customerId}`,
      trigger: JSON.stringify({ reason: 'test', signalIds: [], tier: 'high', score: 0.9 }),
      workflow_id: `test-outreach/${customerId}`,
      status: 'running',
      channel: 'sms',
    });
    return { id, phone };
  }

  it('Twilio accepts the survey SMS but the reply is lost: the retry finds it at Twilio instead of sending again, and the row gets its MessageSid', async () => {
    const customerId = uniqueCustomer('lost-sms');
    const phone = await putCustomer(rig, customerId);
    rig.twilio.loseNextCreateReply();
    for (const text of ANGRY) {
      await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text, language: 'en' }).expect(202);
    }
    await waitProcessed(customerId, 3);
    const message = await eventually(async () => (await outreachOf(rig, customerId))[0]?.messages.find((m: any) => m.kind === 'survey' && m.providerId), 30_000, 'survey message with a MessageSid');
    // Give a (wrong) second send time to happen.
    await new Promise((r) => setTimeout(r, 1500));
    const sent = rig.twilio.messages.filter((m) => m.to === phone);
    expect(sent).to.have.length(1);
    expect(message.providerId).to.equal(sent[0].sid);
    expect(message.status).to.equal('queued');
  });

  it('an attempt that died after Twilio accepted (claim left behind): the next attempt adopts the MessageSid; one held by a live attempt is not sent twice', async () => {
    const customerId = uniqueCustomer('crashed-sms');
    const { id, phone } = await runningOutreach(customerId);
    const acts = activities();
    const input = { outreachId: id, kind: 'survey' as const, expiresAt: Date.now() + 3600_000, policy: FAST_POLICY };
    rig.twilio.loseNextCreateReply();
    await acts.sendOutreachMessage(input).then(
      () => expect.fail('the lost reply should fail the attempt'),
      (err: Error) => expect(err.message).to.match(/500|Internal Server Error|lost/i),
    );
    // As if the worker was killed before its catch ran: the claim stays, taken a while ago.
    await h().db('outreach_messages').where({ id: `${id}/survey` }).update({ claim_token: 'dead-attempt', claimed_at: h().db.raw(`clock_timestamp() - interval '10 minutes'`) });
    const r = await acts.sendOutreachMessage(input);
    expect(r).to.include({ sent: true, status: 'queued' });
    const sent = rig.twilio.messages.filter((m) => m.to === phone);
    expect(sent).to.have.length(1);
    const row = await h().db('outreach_messages').where({ id: `${id}/survey` }).first();
    expect(row.provider_id).to.equal(sent[0].sid);
    expect(row.claim_token).to.equal(null);

    // A reminder claimed by an attempt that is still in flight: a concurrent attempt does not send.
    const reminder = { ...input, kind: 'reminder' as const };
    const claimed = { id: `${id}/reminder`, outreach_id: id, customer_id: customerId, kind: 'reminder', channel: 'sms', provider: 'twilio', to_address: phone, body: 'x', status: 'sending', claim_token: 'live-attempt', claimed_at: h().db.raw('clock_timestamp()') };
    await h().db('outreach_messages').insert(claimed);
    await acts.sendOutreachMessage(reminder).then(
      () => expect.fail('a claimed row must not be sent by another attempt'),
      (err: Error) => expect(err.message).to.match(/being sent by another attempt/),
    );
    expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(1);
  });

  it('two attempts escalate the same outreach at once: one Salesforce case, stored once', async () => {
    const customerId = uniqueCustomer('two-cases');
    const { id } = await runningOutreach(customerId);
    const acts = activities();
    rig.salesforce.slowCreates(1000);
    try {
      const input = { outreachId: id, reason: 'no_answer' as const, answer: null, notify: 'care-team' };
      const [a, b] = await Promise.all([acts.escalateOutreach(input), acts.escalateOutreach(input)]);
      expect(a.caseId).to.equal(b.caseId);
      const cases = rig.salesforce.cases.filter((c) => c.Engagement_Escalation_Id__c === a.alertId);
      expect(cases).to.have.length(1);
      expect((await h().db('outreaches').where({ id }).first()).crm_case_id).to.equal(cases[0].Id);
    } finally {
      rig.salesforce.slowCreates(0);
    }
  });
});
