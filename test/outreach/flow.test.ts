import { expect } from 'chai';
import { eventually, h, uniqueCustomer, waitProcessed } from '../harness';
import { ANGRY, linkIn, putCustomer, startRig, waitForSms, waitOutreachDone, type Rig } from './rig';

describe('outreach: angry customer → SMS survey → escalation → resolution', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig();
  });
  after(async () => {
    await rig?.stop();
  });

  it('three angry signals in a day: exactly one SMS with a working survey link; a 3 opens one Salesforce case and an operator alert; resolving it through the API ends the outreach with its outcome', async () => {
    const customerId = uniqueCustomer('angry');
    const phone = await putCustomer(rig, customerId, { externalId: '003000000000001AAA' });
    const day = Date.now() - 3 * 3600_000;
    for (const [i, text] of ANGRY.entries()) {
      await rig.http
        .post('/v1/signals')
        .send({ customerId, type: 'support_ticket', text, language: 'en', occurredAt: new Date(day + i * 3600_000).toISOString() })
        .expect(202);
    }
    await waitProcessed(customerId, 3);
    const [sms] = await waitForSms(rig, phone);
    // The other two angry signals find the outreach running and start nothing.
    await new Promise((r) => setTimeout(r, 1000));
    expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(1);
    expect(sms.from).to.equal('+15005550006');
    expect(sms.body).to.match(/^Hi Alex/);
    // Our message id rides along, so a status report names the row even when Twilio's reply was lost.
    expect(sms.statusCallback).to.equal(`https://engage.example.test/v1/webhooks/twilio/status?m=${encodeURIComponent(`${customerId}/1/survey`)}`);

    const { path } = linkIn(sms.body);
    // The link is a secret: an operator's list shows the message without it; only an admin's shows it.
    const asOperator = (await rig.ops.get(`/v1/customers/${customerId}/outreach`).expect(200)).body.items[0].messages[0];
    expect(asOperator.surveyLink).to.equal('[survey link withheld]');
    expect(asOperator.body).to.not.include(path);
    expect(asOperator.body).to.include('[survey link withheld]');
    const asAdmin = (await rig.http.get(`/v1/customers/${customerId}/outreach`).expect(200)).body.items[0].messages[0];
    expect(asAdmin.body).to.include(path);
    const page = await rig.http.get(path).expect(200).expect('content-type', /html/);
    expect(page.text).to.include('<form method="post">');
    expect((page.text.match(/type="radio" name="score"/g) ?? []).length).to.equal(11);
    expect(page.text).to.not.include('<script');

    await rig.http.post(path).type('form').send({ score: '3', comment: 'Still waiting for a fix.' }).expect(200);
    const again = await rig.http.post(path).type('form').send({ score: '9' });
    expect(again.status).to.equal(409);

    const alert = await eventually(async () => {
      const items = (await rig.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation' })).body.items;
      return items.length ? items[0] : null;
    }, 20_000, 'escalation alert');
    expect(alert.severity).to.equal('high');
    expect(alert.evidence.reason).to.equal('detractor');
    expect(alert.evidence.answer.score).to.equal(3);
    expect(alert.recommendedAction.de).to.be.a('string');
    const sfCase = await eventually(async () => rig.salesforce.cases.find((c) => c.Engagement_Escalation_Id__c === alert.id), 20_000, 'Salesforce case');
    expect(rig.salesforce.cases.filter((c) => c.Engagement_Escalation_Id__c === alert.id)).to.have.length(1);
    expect(sfCase.Priority).to.equal('High');
    expect(sfCase.ContactId).to.equal('003000000000001AAA');
    expect(String(sfCase.Subject)).to.include('3/10');
    expect(String(sfCase.Description)).to.include('Still waiting for a fix.');

    // The answer is also a new signal of the journey.
    const survey = await eventually(async () => {
      const r = await rig.http.get(`/v1/signals/${encodeURIComponent(`survey/${customerId}/1`)}`);
      return r.status === 200 && r.body.analysis ? r.body : null;
    }, 15_000, 'survey_response signal analysed');
    expect(survey.signal.type).to.equal('survey_response');
    expect(survey.signal.metadata.nps).to.equal(3);

    await rig.ops.post(`/v1/alerts/${alert.id}/acknowledge`).send({}).expect(200);
    await rig.ops.post(`/v1/alerts/${alert.id}/resolve`).send({ note: 'called back, credit note issued' }).expect(200);
    const done = await waitOutreachDone(rig, customerId);
    expect(done.outcome).to.equal('resolved');
    expect(done.resolvedBy).to.equal('anna@care');
    expect(done.resolvedAt).to.be.a('string');
    expect(done.answer).to.include({ score: 3, via: 'web' });
    expect(done.escalation).to.include({ reason: 'detractor', alertId: alert.id, crmCaseId: sfCase.Id });
    expect(done.messages).to.have.length(1);
    expect(done.messages[0]).to.include({ kind: 'survey', channel: 'sms', provider: 'twilio', providerId: sms.sid });
    // Resolved here, so the Salesforce case is closed too.
    expect(sfCase.Status).to.equal('Closed');
    // The outcome is written just before the workflow completes.
    await eventually(async () => (await h().client.workflow.getHandle(done.workflowId).describe()).status.name === 'COMPLETED', 10_000, 'outreach workflow to complete');
  });

  it('a promoter answer closes the loop positively, without a case', async () => {
    const customerId = uniqueCustomer('promoter');
    const phone = await putCustomer(rig, customerId);
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    const [sms] = await waitForSms(rig, phone);
    await rig.http.post(`/v1/surveys/${linkIn(sms.body).path.slice(3)}`).send({ score: 10 }).expect(201);
    const done = await waitOutreachDone(rig, customerId);
    expect(done.outcome).to.equal('recovered');
    expect(done.escalation).to.equal(null);
    expect(done.resolvedBy).to.equal('customer');
  });

  it('a survey comment is analysed in its own language, not the profile’s locale', async () => {
    const customerId = uniqueCustomer('comment-de');
    const phone = await putCustomer(rig, customerId, { locale: 'en' });
    await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
    const [sms] = await waitForSms(rig, phone);
    const comment = 'Danke, jetzt funktioniert es wieder. Aber ich habe drei Tage auf eine Antwort gewartet.';
    await rig.http.post(`/v1/surveys/${linkIn(sms.body).path.slice(3)}`).send({ score: 9, comment }).expect(201);
    const survey = await eventually(async () => {
      const r = await rig.http.get(`/v1/signals/${encodeURIComponent(`survey/${customerId}/1`)}`);
      return r.status === 200 && r.body.analysis ? r.body : null;
    }, 15_000, 'survey_response signal analysed');
    expect(survey.signal.text).to.equal(comment);
    expect(survey.analysis.language).to.equal('de');
  });
});
