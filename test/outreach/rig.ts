// An outreach test rig: fake Twilio and Salesforce on loopback, a worker on its own task queue
// wired to them through the real SDKs, and the API configured like production would be.
import { randomUUID } from 'node:crypto';
import type { Config } from '../../config';
import { DEFAULT_OUTREACH_POLICY, type OutreachPolicy } from '../../domain/outreach';
import { outreachStatusQuery } from '../../domain/outreach-messages';
import { createIntegrations } from '../../integrations';
import { startFakeSalesforce } from '../fakes/salesforce';
import { startFakeTwilio } from '../fakes/twilio';
import supertest from 'supertest';
import { createKey, eventually, h, startApi, startWorker, testConfig } from '../harness';

export const PUBLIC_BASE_URL = 'https://engage.example.test';
export const CRM_TOKEN = 'crm-test-token-0123456789';

/** Seconds, not days: every duration of the policy is configuration. */
export const FAST_POLICY: OutreachPolicy = {
  ...DEFAULT_OUTREACH_POLICY,
  quietHours: null,
  defaultTimeZone: 'UTC',
  surveyDeadlineMs: 60_000,
  reminderAfterMs: 0,
  recheckMs: 0,
  escalation: { renotifyMs: 60_000, chain: ['care-team', 'team-lead'] },
};

/**
 * The outreach loop on a worker of its own against the Twilio and Salesforce fakes. `via` may put
 * something (the fault tests' misbehaving proxy) between the platform and a fake: it gets the
 * fake's address and returns the one the platform is to use.
 */
export async function startRig(policy: Partial<OutreachPolicy> = {}, via: { twilio?: (url: string) => Promise<string>; salesforce?: (url: string) => Promise<string> } = {}) {
  const accountSid = `AC${randomUUID().replace(/-/g, '')}`;
  const authToken = randomUUID().replace(/-/g, '');
  const accessToken = `00D!${randomUUID()}`;
  const twilio = await startFakeTwilio({ accountSid, authToken });
  const salesforce = await startFakeSalesforce({ accessToken });
  const taskQueue = `outreach-${randomUUID()}`;
  const base = testConfig();
  const config: Config = {
    ...base,
    temporal: { ...base.temporal, taskQueue },
    publicBaseUrl: PUBLIC_BASE_URL,
    twilio: { accountSid, authToken, from: '+15005550006', baseUrl: (await via.twilio?.(twilio.url)) ?? twilio.url },
    salesforce: { instanceUrl: (await via.salesforce?.(salesforce.url)) ?? salesforce.url, accessToken, apiVersion: '60.0', escalationIdField: 'Engagement_Escalation_Id__c' },
    crmWebhookToken: CRM_TOKEN,
    survey: { secret: `secret-${randomUUID()}`, isDevSecret: false },
    outreach: { ...FAST_POLICY, ...policy },
  };
  const worker = await startWorker(taskQueue, {
    ...createIntegrations(config, h().db),
    surveySecret: config.survey.secret,
    publicBaseUrl: config.publicBaseUrl,
  });
  const api = startApi(config);
  const anna = await createKey('operator', { name: 'anna@care' });
  return {
    config,
    twilio,
    salesforce,
    api,
    http: api.http,
    /** An operator's client: the key "anna@care" (who acknowledges and resolves). */
    ops: supertest.agent(api.app).set('Authorization', anna.auth),
    /** Posts a form to a Twilio webhook path, signed like Twilio signs it (or with the given signature). */
    twilioWebhook: (path: string, params: Record<string, string>, signature?: string) =>
      api.http
        .post(path)
        .type('form')
        .set('X-Twilio-Signature', signature ?? twilio.sign(`${PUBLIC_BASE_URL}${path}`, params))
        .send(params),
    stop: async () => {
      await worker.stop();
      await twilio.close();
      await salesforce.close();
    },
  };
}

export type Rig = Awaited<ReturnType<typeof startRig>>;

export const ANGRY = [
  'This is the third outage this week. I am furious and I will cancel my contract if this is not fixed today.',
  'Nobody answers my tickets. Terrible service, I want to cancel and switch to a competitor.',
  'Still broken. I am done with you, cancel my subscription now, this is unacceptable.',
];

export async function putCustomer(rig: Rig, customerId: string, profile: Record<string, unknown> = {}) {
  const phone = `+49151${Math.floor(1e7 + Math.random() * 9e7)}`;
  await rig.http
    .put(`/v1/customers/${customerId}`)
    .send({ name: 'Alex', phone, locale: 'en', timeZone: 'UTC', consents: { sms: true, email: false, analysis: true }, ...profile })
    .expect((r) => {
      if (r.status !== 201 && r.status !== 200) throw new Error(`PUT profile: ${r.status} ${JSON.stringify(r.body)}`);
    });
  return phone;
}

export async function outreachOf(rig: Rig, customerId: string) {
  return (await rig.http.get(`/v1/customers/${customerId}/outreach`).expect(200)).body.items as any[];
}

export async function waitForSms(rig: Rig, to: string, count = 1, timeoutMs = 20_000) {
  return eventually(async () => {
    const sent = rig.twilio.messages.filter((m) => m.to === to);
    return sent.length >= count ? sent : null;
  }, timeoutMs, `${count} SMS to ${to}`);
}

export const linkIn = (body: string) => {
  const m = /(https:\/\/\S+\/s\/[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+)/.exec(body);
  if (!m) throw new Error(`no survey link in "${body}"`);
  return { url: m[1], path: new URL(m[1]).pathname };
};

export async function outreachStatus(workflowId: string) {
  return h().client.workflow.getHandle(workflowId).query(outreachStatusQuery);
}

export async function waitOutreachDone(rig: Rig, customerId: string, timeoutMs = 20_000) {
  return eventually(async () => {
    const items = await outreachOf(rig, customerId);
    return items[0]?.status === 'completed' || items[0]?.status === 'skipped' ? items[0] : null;
  }, timeoutMs, `outreach of ${customerId} to end`);
}
