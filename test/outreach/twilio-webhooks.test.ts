import { expect } from 'chai';
import { h, uniqueCustomer } from '../harness';
import { ANGRY, linkIn, outreachOf, putCustomer, startRig, waitForSms, waitOutreachDone, type Rig } from './rig';

describe('Twilio webhooks: STOP/UNSTOP/HELP, replies, delivery status, signatures', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ reminderAfterMs: 1500, surveyDeadlineMs: 60_000 });
  });
  after(async () => {
    await rig?.stop();
  });

  const sid = () => `SM${Math.random().toString(16).slice(2).padEnd(32, '0').slice(0, 32)}`;
  const angry = (customerId: string) => rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
  const profile = async (customerId: string) => (await rig.http.get(`/v1/customers/${customerId}`).expect(200)).body.profile;

  it('STOP withdraws SMS consent at once: the reminder never goes out, a profile update cannot undo it, UNSTOP does', async () => {
    const customerId = uniqueCustomer('stop');
    const phone = await putCustomer(rig, customerId);
    await angry(customerId);
    await waitForSms(rig, phone, 1);

    const res = await rig.twilioWebhook('/v1/webhooks/twilio/sms', { MessageSid: sid(), From: phone, To: '+15005550006', Body: 'STOP' }).expect(200);
    expect(res.type).to.equal('text/xml');
    expect((await profile(customerId)).smsOptedOutAt).to.be.a('string');

    // The reminder was due after 1.5 s: it is blocked, not sent.
    await new Promise((r) => setTimeout(r, 3000));
    expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(1);
    const [o] = await outreachOf(rig, customerId);
    expect(o.messages.map((m: { kind: string }) => m.kind)).to.deep.equal(['survey']);

    await putCustomer(rig, customerId, { phone, consents: { sms: true, email: false, analysis: true } });
    expect((await profile(customerId)).smsOptedOutAt, 'a CRM profile update does not override STOP').to.be.a('string');

    await rig.twilioWebhook('/v1/webhooks/twilio/sms', { MessageSid: sid(), From: phone, To: '+15005550006', Body: 'UNSTOP' }).expect(200);
    expect((await profile(customerId)).smsOptedOutAt).to.equal(null);
  });

  it('a forged webhook is refused with 403 and changes nothing', async () => {
    const customerId = uniqueCustomer('forged');
    const phone = await putCustomer(rig, customerId);
    const messageSid = sid();
    const params = { MessageSid: messageSid, From: phone, To: '+15005550006', Body: 'STOP' };

    const wrongKey = await rig.twilioWebhook('/v1/webhooks/twilio/sms', params, 'bm90IGEgc2lnbmF0dXJl').expect(403);
    expect(wrongKey.body.error.code).to.equal('forbidden');
    await rig.api.http.post('/v1/webhooks/twilio/sms').type('form').send(params).expect(403);
    // Signed for another URL, or with a parameter changed after signing.
    await rig.twilioWebhook('/v1/webhooks/twilio/sms', params, rig.twilio.sign('https://evil.example/v1/webhooks/twilio/sms', params)).expect(403);
    await rig.twilioWebhook('/v1/webhooks/twilio/sms', { ...params, From: '+4915100000000' }, rig.twilio.sign('https://engage.example.test/v1/webhooks/twilio/sms', params)).expect(403);

    expect((await profile(customerId)).smsOptedOutAt).to.equal(null);
    expect(await h().db('inbound_messages').where({ id: messageSid }).first()).to.equal(undefined);
    expect(await h().db('webhook_receipts').where({ key: messageSid }).first()).to.equal(undefined);
  });

  it('records delivery status callbacks; a redelivery is recognised and an older status never overwrites a newer one', async () => {
    const customerId = uniqueCustomer('status');
    const phone = await putCustomer(rig, customerId);
    await angry(customerId);
    const [sms] = await waitForSms(rig, phone);
    const status = (MessageStatus: string) =>
      rig.twilioWebhook('/v1/webhooks/twilio/status', { MessageSid: sms.sid, MessageStatus, AccountSid: rig.config.twilio!.accountSid, To: phone });

    expect((await status('sent').expect(200)).body.duplicate).to.equal(false);
    expect((await status('delivered').expect(200)).body.duplicate).to.equal(false);
    expect((await status('delivered').expect(200)).body.duplicate).to.equal(true);
    await status('sent').expect(200); // late and out of order
    const [o] = await outreachOf(rig, customerId);
    expect(o.messages[0]).to.include({ providerId: sms.sid, status: 'delivered' });
  });

  it('HELP is answered in the customer’s language; a reply of just a number answers the open survey', async () => {
    const customerId = uniqueCustomer('help');
    const phone = await putCustomer(rig, customerId, { locale: 'de', name: 'Jana' });
    await angry(customerId);
    const [sms] = await waitForSms(rig, phone);
    expect(sms.body).to.match(/^Hallo Jana/);
    expect(linkIn(sms.body).url).to.match(/^https:\/\/engage\.example\.test\/s\//);

    const help = await rig.twilioWebhook('/v1/webhooks/twilio/sms', { MessageSid: sid(), From: phone, To: '+15005550006', Body: 'help' }).expect(200);
    expect(help.text).to.include('<Message>Kundenservice');

    const reply = await rig.twilioWebhook('/v1/webhooks/twilio/sms', { MessageSid: sid(), From: phone, To: '+15005550006', Body: '9' }).expect(200);
    expect(reply.text).to.include('Vielen Dank');
    const done = await waitOutreachDone(rig, customerId);
    expect(done.outcome).to.equal('recovered');
    expect(done.answer).to.include({ score: 9, via: 'sms' });
  });
});
