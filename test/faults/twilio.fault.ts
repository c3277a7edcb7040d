import { expect } from 'chai';
import { eventually, uniqueCustomer } from '../harness';
import { ANGRY, putCustomer, startRig } from '../outreach/rig';
import { startFaultyProxy } from './faults';

describe('fault: Twilio answers 500, 429, times out and loses a reply', () => {
  it('the outreach SMS reaches the customer exactly once, and its message sid is the one stored', async function () {
    this.timeout(150_000);
    let proxy: Awaited<ReturnType<typeof startFaultyProxy>> | undefined;
    const sends = (method: string, path: string) => method === 'POST' && /\/Messages\.json$/.test(path);
    const rig = await startRig({}, { twilio: async (url) => (proxy = await startFaultyProxy(url, ['500', '429', 'hang', 'lose'], sends)).url });
    try {
      const customerId = uniqueCustomer('sms');
      const phone = await putCustomer(rig, customerId);
      await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
      // 500 and 429 are retried within seconds, the held request after the attempt's 30 s timeout;
      // the lost reply leaves a message Twilio has, which the next attempt finds instead of resending.
      const sent = await eventually(
        async () => {
          const { body } = await rig.http.get(`/v1/customers/${customerId}/outreach`).expect(200);
          const message = body.items?.flatMap((o: { messages?: { providerId?: string | null }[] }) => o.messages ?? []).find((m: { providerId?: string | null }) => m.providerId);
          return proxy!.faults.length === 0 && message ? message : null;
        },
        100_000,
        'the outreach SMS recorded as sent after every fault',
      );
      const delivered = rig.twilio.messages.filter((m) => m.to === phone);
      expect(delivered.map((m) => m.sid), 'one SMS, the stored one').to.deep.equal([sent.providerId]);
      // Nothing more goes out later (a retry that has not noticed would send a second one).
      await new Promise((r) => setTimeout(r, 3000));
      expect(rig.twilio.messages.filter((m) => m.to === phone)).to.have.length(1);
    } finally {
      await rig.stop();
      await proxy?.close();
    }
  });
});
