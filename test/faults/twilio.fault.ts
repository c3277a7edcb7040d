import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import type { Config } from '../../config';
import { createIntegrations } from '../../integrations';
import { startFakeTwilio } from '../fakes/twilio';
import { eventually, h, startApi, startWorker, testConfig, uniqueCustomer } from '../harness';
import { ANGRY, FAST_POLICY, PUBLIC_BASE_URL, putCustomer } from '../outreach/rig';
import { startFaultyProxy } from './faults';

describe('fault: Twilio answers 500, 429, times out and loses a reply', () => {
  it('the outreach SMS reaches the customer exactly once, and its message sid is the one stored', async function () {
    this.timeout(150_000);
    const accountSid = `AC${randomUUID().replace(/-/g, '')}`;
    const authToken = randomUUID().replace(/-/g, '');
    const twilio = await startFakeTwilio({ accountSid, authToken });
    const sends = (method: string, path: string) => method === 'POST' && /\/Messages\.json$/.test(path);
    const proxy = await startFaultyProxy(twilio.url, ['500', '429', 'hang', 'lose'], sends);
    const base = testConfig();
    const config: Config = {
      ...base,
      temporal: { ...base.temporal, taskQueue: `fault-sms-${randomUUID()}` },
      publicBaseUrl: PUBLIC_BASE_URL,
      twilio: { accountSid, authToken, from: '+15005550006', baseUrl: proxy.url },
      survey: { secret: `secret-${randomUUID()}`, isDevSecret: false },
      outreach: { ...FAST_POLICY },
    };
    const worker = await startWorker(config.temporal.taskQueue, { ...createIntegrations(config, h().db), surveySecret: config.survey.secret, publicBaseUrl: config.publicBaseUrl });
    const api = startApi(config);
    try {
      const customerId = uniqueCustomer('sms');
      const phone = await putCustomer({ http: api.http, twilio } as Parameters<typeof putCustomer>[0], customerId);
      await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[0], language: 'en' }).expect(202);
      // 500 and 429 are retried within seconds, the held request after the attempt's 30 s timeout;
      // the lost reply leaves a message Twilio has, which the next attempt finds instead of resending.
      const sent = await eventually(
        async () => {
          const { body } = await api.http.get(`/v1/customers/${customerId}/outreach`).expect(200);
          const message = body.items?.flatMap((o: { messages?: { providerId?: string | null }[] }) => o.messages ?? []).find((m: { providerId?: string | null }) => m.providerId);
          return proxy.faults.length === 0 && message ? message : null;
        },
        100_000,
        'the outreach SMS recorded as sent after every fault',
      );
      const delivered = twilio.messages.filter((m) => m.to === phone);
      expect(delivered.map((m) => m.sid), 'one SMS, the stored one').to.deep.equal([sent.providerId]);
      // Nothing more goes out later (a retry that has not noticed would send a second one).
      await new Promise((r) => setTimeout(r, 3000));
      expect(twilio.messages.filter((m) => m.to === phone)).to.have.length(1);
    } finally {
      await worker.stop();
      await proxy.close();
      await twilio.close();
    }
  });
});
