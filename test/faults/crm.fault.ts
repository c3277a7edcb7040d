import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import supertest from 'supertest';
import type { Config } from '../../config';
import { createIntegrations } from '../../integrations';
import { startFakeSalesforce } from '../fakes/salesforce';
import { startFakeTwilio } from '../fakes/twilio';
import { eventually, h, startApi, startWorker, testConfig, uniqueCustomer } from '../harness';
import { ANGRY, FAST_POLICY, linkIn, PUBLIC_BASE_URL, putCustomer, waitForSms } from '../outreach/rig';

type Fault = '500' | '429' | 'lose' | 'hang';

/**
 * In front of the fake Salesforce: the next case creates meet these faults in turn (answered 500
 * or 429 without reaching Salesforce, held past the activity's timeout and dropped, or created
 * with the reply lost); everything else passes through.
 */
async function startFaultyProxy(target: string, faults: Fault[]) {
  const held: http.ServerResponse[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', async () => {
      const isCreate = req.method === 'POST' && /\/sobjects\/Case\/?$/.test(new URL(req.url ?? '/', 'http://x').pathname);
      const fault = isCreate ? faults.shift() : undefined;
      if (fault === '500') return void res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'UNKNOWN_EXCEPTION', message: 'fault test' }]));
      if (fault === '429') return void res.writeHead(429, { 'content-type': 'application/json' }).end(JSON.stringify([{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'fault test' }]));
      // Held past the attempt's 30 s timeout, then the connection drops: the request never reached Salesforce.
      if (fault === 'hang') return void (held.push(res), setTimeout(() => res.socket?.destroy(), 35_000));
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
      const body = chunks.length ? Buffer.concat(chunks) : undefined;
      const reply = await fetch(`${target}${req.url}`, { method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? undefined : body });
      const text = Buffer.from(await reply.arrayBuffer());
      if (fault === 'lose') return void req.socket.destroy();
      res.writeHead(reply.status, { 'content-type': reply.headers.get('content-type') ?? 'application/json' }).end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    faults,
    close: () => {
      for (const r of held) r.socket?.destroy();
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('fault: Salesforce answers 500, 429, loses a reply and times out', () => {
  it('an escalation still makes exactly one case, and its id is the one stored', async function () {
    this.timeout(150_000);
    const accountSid = `AC${randomUUID().replace(/-/g, '')}`;
    const authToken = randomUUID().replace(/-/g, '');
    const accessToken = `00D!${randomUUID()}`;
    const twilio = await startFakeTwilio({ accountSid, authToken });
    const salesforce = await startFakeSalesforce({ accessToken });
    const proxy = await startFaultyProxy(salesforce.url, ['500', '429', 'hang', 'lose']);
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
