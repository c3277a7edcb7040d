import { expect } from 'chai';
import { eventually, h, startApi, uniqueCustomer, waitProcessed } from '../harness';
import { journeyWorkflowId, riskProfileQuery } from '../../domain/messages';
import { ANGRY, CRM_TOKEN, linkIn, outreachOf, outreachStatus, putCustomer, startRig, waitForSms, waitOutreachDone, type Rig } from './rig';

const escalationOf = (rig: Rig, customerId: string) =>
  eventually(async () => {
    const items = (await rig.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation', status: 'active' })).body.items;
    return items.length ? items[0] : null;
  }, 20_000, 'escalation alert');

describe('outreach: deadline, reminder, escalation chain, CRM closure', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({
      reminderAfterMs: 1000,
      surveyDeadlineMs: 2500,
      escalation: { renotifyMs: 1000, chain: ['care-team', 'team-lead', 'head-of-care'] },
    });
  });
  after(async () => {
    await rig?.stop();
  });

  it('no answer: one reminder before the deadline, then escalation; unacknowledged it climbs the chain; the CRM closing the case resolves it with the reported outcome', async () => {
    const customerId = uniqueCustomer('silent');
    const phone = await putCustomer(rig, customerId);
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[1], language: 'en' }).expect(202);
    const [survey, reminder] = await waitForSms(rig, phone, 2);
    expect(reminder.body).to.include('still open');
    expect(linkIn(reminder.body).path).to.equal(linkIn(survey.body).path);

    const alert = await escalationOf(rig, customerId);
    expect(alert.evidence.reason).to.equal('no_answer');
    const climbed = await eventually(async () => {
      const a = (await rig.http.get(`/v1/alerts/${alert.id}`)).body;
      return a.timeline.filter((e: { action: string }) => e.action === 'renotified').length >= 2 ? a : null;
    }, 15_000, 'two re-notifications');
    expect(climbed.severity).to.equal('critical');
    expect(climbed.metadata).to.include({ escalationLevel: 2, notify: 'head-of-care' });
    const caseId = climbed.metadata.crmCaseId;
    expect(rig.salesforce.cases.map((c) => c.Id)).to.include(caseId);
    expect(rig.twilio.messages.filter((m) => m.to === phone), 'no more SMS than survey + reminder').to.have.length(2);

    const event = { eventId: `sf-close-${customerId}`, event: 'case_closed', caseId, status: 'Closed', outcome: 'churned', closedBy: 'jane@sf' };
    const closed = await rig.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${CRM_TOKEN}`).send(event).expect(200);
    expect(closed.body).to.include({ alertId: alert.id, alreadyResolved: false, duplicate: false });
    const again = await rig.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${CRM_TOKEN}`).send(event).expect(200);
    expect(again.body.duplicate).to.equal(true);

    const done = await waitOutreachDone(rig, customerId);
    expect(done).to.include({ outcome: 'churned', resolvedBy: 'crm:jane@sf' });
    expect(done.escalation.reason).to.equal('no_answer');
    // Closed in Salesforce already: we do not echo a closure back.
    expect(rig.salesforce.cases.find((c) => c.Id === caseId)!.Status).to.equal('New');
  });

  it('an acknowledged escalation is not re-notified; one Salesforce case per escalation even when the create reply is lost', async () => {
    const customerId = uniqueCustomer('ack');
    const phone = await putCustomer(rig, customerId);
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[2], language: 'en' }).expect(202);
    const [sms] = await waitForSms(rig, phone, 1);
    rig.salesforce.loseNextCreateReply();
    await rig.http.post(linkIn(sms.body).path).type('form').send({ score: '0', comment: '' }).expect(200);
    const alert = await escalationOf(rig, customerId);
    await rig.ops.post(`/v1/alerts/${alert.id}/acknowledge`).send({}).expect(200);

    const [o] = await eventually(async () => {
      const items = await outreachOf(rig, customerId);
      return items[0]?.escalation?.crmCaseId ? items : null;
    }, 20_000, 'case id stored');
    const cases = rig.salesforce.cases.filter((c) => c.Engagement_Escalation_Id__c === alert.id);
    expect(cases, 'the retry found the case the lost reply created').to.have.length(1);
    expect(o.escalation.crmCaseId).to.equal(cases[0].Id);

    await new Promise((r) => setTimeout(r, 2500));
    const a = (await rig.http.get(`/v1/alerts/${alert.id}`)).body;
    expect(a.timeline.filter((e: { action: string }) => e.action === 'renotified')).to.have.length(0);
    expect((await outreachStatus(o.workflowId)).stage).to.equal('acknowledged');
    await rig.ops.post(`/v1/alerts/${alert.id}/resolve`).send({}).expect(200);
    expect((await waitOutreachDone(rig, customerId)).outcome).to.equal('resolved');
  });

  it('legal first: no outreach while a legal threat is open; once it is resolved, the next angry signal reaches out', async () => {
    const customerId = uniqueCustomer('legal');
    const phone = await putCustomer(rig, customerId);
    await rig.http
      .post('/v1/signals')
      .send({ customerId, type: 'support_ticket', language: 'en', text: 'I have instructed my attorney to file a lawsuit against you. Cancel everything, this is outrageous.' })
      .expect(202);
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    await waitProcessed(customerId, 2);
    const legal = (await rig.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items;
    expect(legal).to.have.length(1);
    await new Promise((r) => setTimeout(r, 1000));
    expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(0);
    expect(await outreachOf(rig, customerId)).to.have.length(0);

    await rig.ops.post(`/v1/alerts/${legal[0].id}/resolve`).send({ note: 'settled' }).expect(200);
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[2], language: 'en' }).expect(202);
    await waitForSms(rig, phone, 1);
  });

  it('legal first, repeated: a new legal threat within 24 h of a resolved one opens a new legal alert, and no outreach starts', async () => {
    const customerId = uniqueCustomer('legal-again');
    const phone = await putCustomer(rig, customerId);
    const threat = { customerId, type: 'support_ticket', language: 'en', text: 'I have instructed my attorney to file a lawsuit against you. Cancel everything, this is outrageous.' };
    // Three hours ago in event time, so the next threat (now) is well within its 24 h cooldown.
    await rig.http.post('/v1/signals').send({ ...threat, occurredAt: new Date(Date.now() - 3 * 3600_000).toISOString() }).expect(202);
    await waitProcessed(customerId, 1);
    const [first] = (await rig.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items;
    await rig.ops.post(`/v1/alerts/${first.id}/resolve`).send({ note: 'settled' }).expect(200);
    const journey = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => !(await journey.query(riskProfileQuery)).openAlerts.some((a) => a.id === first.id), 10_000, 'journey to drop the resolved alert');

    await rig.http.post('/v1/signals').send({ ...threat, text: `${threat.text} My lawyer will see you in court.` }).expect(202);
    await waitProcessed(customerId, 2);
    const open = (await rig.http.get('/v1/alerts').query({ customerId, type: 'legal_threat', status: 'active' })).body.items;
    expect(open, 'an open legal_threat alert holds outreach back').to.have.length(1);
    expect(open[0].id).not.to.equal(first.id);
    await new Promise((r) => setTimeout(r, 1500));
    expect(rig.twilio.messages.filter((m) => m.to === phone), 'no SMS under the legal hold').to.have.length(0);
    expect(await outreachOf(rig, customerId)).to.have.length(0);
  });
});

describe('outreach: quiet hours in the customer’s time zone', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig?.stop();
  });

  it('an SMS due during quiet hours waits until they end', async () => {
    const customerId = uniqueCustomer('night');
    const phone = await putCustomer(rig, customerId, { timeZone: 'UTC' });
    // Quiet hours that began an hour ago and end in a few seconds, in UTC (the customer's zone);
    // the policy travels with the journey, so this API's policy is the one that applies.
    const now = Date.now();
    const quietEnds = Math.ceil((now + 6000) / 1000) * 1000;
    const sec = (ms: number) => Math.floor((((ms % 86_400_000) + 86_400_000) % 86_400_000) / 1000);
    const api = startApi({ ...rig.config, outreach: { ...rig.config.outreach!, quietHours: { startSec: sec(now - 3600_000), endSec: sec(quietEnds) } } });
    await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    const [o] = await eventually(async () => {
      const items = await outreachOf(rig, customerId);
      return items.length ? items : null;
    }, 15_000, 'outreach started');
    // The row is written just before the child starts: ask until the workflow answers.
    const stage = (await eventually(() => outreachStatus(o.workflowId), 10_000, 'outreach workflow')).stage;
    if (Date.now() < quietEnds - 500) {
      expect(stage).to.equal('quiet_hours');
      expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(0);
    }
    const [sms] = await waitForSms(rig, phone, 1, 20_000);
    expect(sms.at, 'sent only once quiet hours were over').to.be.at.least(quietEnds - 50);
    const wf = await h().client.workflow.getHandle(o.workflowId).describe();
    expect(wf.status.name).to.equal('RUNNING');
  });
});
