// Bad input is a 400 naming the field and why, never a 500, and changes nothing: no row, no workflow.
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { expect } from 'chai';
import supertest from 'supertest';
import twilio from 'twilio';
import { createApp } from '../../api/app';
import { ConfigError, loadConfig } from '../../config';
import { getOutreach } from '../../db/outreach';
import { journeyWorkflowId } from '../../domain/messages';
import { recipientBinding, signSurveyToken } from '../../integrations/survey-link';
import { h, log, startApi, testConfig, uniqueCustomer } from '../harness';

const count = async (table: string, where: Record<string, unknown>) => Number((await h().db(table).where(where).count({ n: '*' }).first())!.n);

async function journeyExists(customerId: string): Promise<boolean> {
  try {
    await h().client.workflow.getHandle(journeyWorkflowId(customerId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** The 400 in the standard shape, with a detail for `field`; returns that detail. */
function expectInvalid(res: { status: number; body: any }, field: string, reason?: RegExp) {
  expect(res.status, JSON.stringify(res.body)).to.equal(400);
  expect(res.body.error.code).to.equal('invalid_input');
  const detail = res.body.error.details.find((d: { field: string }) => d.field === field);
  expect(detail, JSON.stringify(res.body.error.details)).to.exist;
  if (reason) expect(detail.reason).to.match(reason);
  return detail;
}

/** Nothing of this customer reached Postgres or Temporal. */
async function expectUntouched(customerId: string) {
  expect(await count('signals', { customer_id: customerId }), 'signals').to.equal(0);
  expect(await count('customers', { id: customerId }), 'customers').to.equal(0);
  expect(await journeyExists(customerId), 'journey workflow').to.equal(false);
}

const CRM_TOKEN = `crm-${randomUUID()}-${randomUUID()}`;
const TWILIO = { accountSid: `AC${randomUUID().replace(/-/g, '')}`, authToken: randomUUID().replace(/-/g, ''), from: '+15005550006' };
const PUBLIC_BASE_URL = 'https://engage.example.test';

describe('input validation: a 400 naming the field, and nothing changes', () => {
  let api: ReturnType<typeof startApi>;
  before(() => {
    api = startApi(testConfig({ crmWebhookToken: CRM_TOKEN, twilio: TWILIO, publicBaseUrl: PUBLIC_BASE_URL }));
  });
  const crm = (body: unknown) => api.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${CRM_TOKEN}`).send(body as object);
  const ago = (ms: number) => new Date(Date.now() - ms).toISOString();
  const DAY = 86_400_000;

  describe('occurredAt within the horizon and at most a few minutes ahead', () => {
    it('refuses an occurredAt more than 5 minutes in the future or more than 400 days ago (single, batch, CRM)', async () => {
      const customerId = uniqueCustomer('when');
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', occurredAt: ago(-10 * 60_000) }), 'occurredAt', /5 minutes in the future/);
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', occurredAt: ago(-23 * 3600_000) }), 'occurredAt', /future/);
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', occurredAt: ago(401 * DAY) }), 'occurredAt', /400 days in the past/);
      const batch = await api.http.post('/v1/signals/batch').send({
        signals: [
          { customerId, type: 'feedback', text: 'fine' },
          { customerId, type: 'feedback', occurredAt: ago(-3600_000) },
        ],
      });
      expectInvalid(batch, 'signals.1.occurredAt', /future/);
      const event = { eventId: `e-${customerId}`, event: 'signal', customerId, reason: 'renewal_at_risk', occurredAt: ago(-3600_000) };
      expectInvalid(await crm(event), 'occurredAt', /future/);
      expectInvalid(await crm({ ...event, occurredAt: ago(500 * DAY) }), 'occurredAt', /past/);
      await expectUntouched(customerId);
      expect(await count('webhook_receipts', { source: 'crm', key: event.eventId }), 'webhook receipt').to.equal(0);
    });

    it('accepts a little clock skew and a backfill within the horizon', async () => {
      const customerId = uniqueCustomer('when-ok');
      await api.http.post('/v1/signals').send({ customerId, type: 'login', occurredAt: ago(-2 * 60_000) }).expect(202);
      await api.http.post('/v1/signals').send({ customerId, type: 'login', occurredAt: ago(399 * DAY) }).expect(202);
    });

    it('takes its bounds from OCCURRED_AT_HORIZON_DAYS and OCCURRED_AT_MAX_FUTURE_MINUTES', async () => {
      expect(loadConfig({}).occurredAt).to.deep.equal({ horizonDays: 400, maxFutureMinutes: 5 });
      const config = loadConfig({ OCCURRED_AT_HORIZON_DAYS: '30', OCCURRED_AT_MAX_FUTURE_MINUTES: '60' });
      expect(config.occurredAt).to.deep.equal({ horizonDays: 30, maxFutureMinutes: 60 });
      expect(() => loadConfig({ OCCURRED_AT_HORIZON_DAYS: 'soon' })).to.throw(ConfigError, /OCCURRED_AT_HORIZON_DAYS/);

      const narrow = startApi(testConfig({ occurredAt: config.occurredAt, crmWebhookToken: CRM_TOKEN }));
      const customerId = uniqueCustomer('when-cfg');
      expectInvalid(await narrow.http.post('/v1/signals').send({ customerId, type: 'login', occurredAt: ago(31 * DAY) }), 'occurredAt', /30 days/);
      const crmEvent = { eventId: `e-${customerId}`, event: 'signal', customerId, reason: 'renewal_at_risk', occurredAt: ago(31 * DAY) };
      expectInvalid(await narrow.http.post('/v1/webhooks/crm').set('Authorization', `Bearer ${CRM_TOKEN}`).send(crmEvent), 'occurredAt', /30 days/);
      await expectUntouched(customerId);
      await narrow.http.post('/v1/signals').send({ customerId, type: 'login', occurredAt: ago(-30 * 60_000) }).expect(202);
    });
  });

  describe('metadata is bounded', () => {
    it('refuses nesting deeper than 4 levels, naming the path, in a signal and in a batch', async () => {
      const customerId = uniqueCustomer('meta');
      const deep = { a: { b: { c: { d: { e: 1 } } } } };
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', metadata: deep }), 'metadata.a.b.c.d', /deeper than 4/);
      const batch = await api.http.post('/v1/signals/batch').send({
        signals: [
          { customerId, type: 'feedback' },
          { customerId, type: 'feedback', metadata: { list: [[[['x']]]] } },
        ],
      });
      expectInvalid(batch, 'signals.1.metadata.list.0.0.0', /deeper than 4/);
      await expectUntouched(customerId);
    });

    it('refuses more than 8 KiB of JSON or more than 100 keys', async () => {
      const customerId = uniqueCustomer('meta-size');
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', metadata: { note: 'x'.repeat(9000) } }), 'metadata', /bytes/);
      const many = Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`k${i}`, i]));
      expectInvalid(await api.http.post('/v1/signals').send({ customerId, type: 'feedback', metadata: many }), 'metadata', /keys/);
      await expectUntouched(customerId);
    });

    it('accepts four levels', async () => {
      const customerId = uniqueCustomer('meta-ok');
      await api.http.post('/v1/signals').send({ customerId, type: 'feedback', metadata: { a: { b: { c: { d: 1 } } }, tags: ['x'] } }).expect(202);
    });
  });

  describe('customer ids and CRM external ids follow one rule', () => {
    it('refuses a profile externalId that is not a customer id', async () => {
      const customerId = uniqueCustomer('ext');
      for (const externalId of ['has space', 'a/b', 'x'.repeat(129), '']) {
        expectInvalid(await api.http.put(`/v1/customers/${customerId}`).send({ externalId }), 'externalId', /1-128 characters/);
      }
      await expectUntouched(customerId);
    });

    it('refuses a CRM externalId that is not a customer id, creating no customer', async () => {
      for (const externalId of ['has space', '../etc', 'x'.repeat(129)]) {
        const eventId = `e-${randomUUID()}`;
        expectInvalid(await crm({ eventId, event: 'signal', externalId, reason: 'renewal_at_risk' }), 'externalId', /1-128 characters/);
        expect(await count('customers', { id: externalId })).to.equal(0);
        expect(await count('webhook_receipts', { source: 'crm', key: eventId })).to.equal(0);
      }
    });
  });

  describe('ids the platform makes live in their own namespace', () => {
    it('no caller can send an id of the generated form', async () => {
      const customerId = uniqueCustomer('ns');
      for (const id of [`survey/${customerId}/1`, `crm/e-1`, `sms/SM1/${customerId}`]) {
        expectInvalid(await api.http.post('/v1/signals').send({ id, customerId, type: 'feedback' }), 'id');
      }
      await expectUntouched(customerId);
    });

    it('a caller’s signal with the old crm- id cannot preempt the CRM event’s own signal', async () => {
      const customerId = uniqueCustomer('crm-ns');
      const eventId = `sf-${customerId}`;
      await api.http.post('/v1/signals').send({ id: `crm-${eventId}`, customerId, type: 'login' }).expect(202);
      const res = await crm({ eventId, event: 'signal', customerId, reason: 'renewal_at_risk', text: 'unhappy' }).expect(202);
      expect(res.body.signalId).to.equal(`crm/${eventId}`);
      const row = await h().db('signals').where({ id: `crm/${eventId}` }).first();
      expect(row).to.include({ customer_id: customerId, type: 'support_ticket', channel: 'crm' });
      const fetched = await api.http.get(`/v1/signals/${encodeURIComponent(`crm/${eventId}`)}`).expect(200);
      expect(fetched.body.signal.id).to.equal(`crm/${eventId}`);
    });

    it('an SMS reply to a number two customers share becomes one signal each, even with long customer ids', async () => {
      const stem = `shared-${randomUUID()}-`.padEnd(124, 'x');
      const [a, b] = [`${stem}-a`, `${stem}-b`];
      const phone = `+49151${Math.floor(1e7 + Math.random() * 9e7)}`;
      for (const id of [a, b]) await api.http.put(`/v1/customers/${id}`).send({ phone, consents: { sms: true } }).expect(201);
      const sid = `SM${randomUUID().replace(/-/g, '')}`;
      const params = { MessageSid: sid, From: phone, To: TWILIO.from, Body: 'Why was I charged twice?' };
      const path = '/v1/webhooks/twilio/sms';
      await api.http
        .post(path)
        .type('form')
        .set('X-Twilio-Signature', twilio.getExpectedTwilioSignature(TWILIO.authToken, `${PUBLIC_BASE_URL}${path}`, params))
        .send(params)
        .expect(200);
      const rows = await h().db('signals').whereIn('customer_id', [a, b]).orderBy('customer_id').select('id', 'customer_id', 'channel');
      expect(rows).to.deep.equal([
        { id: `sms/${sid}/${a}`, customer_id: a, channel: 'sms' },
        { id: `sms/${sid}/${b}`, customer_id: b, channel: 'sms' },
      ]);
    });
  });

  describe('survey answers', () => {
    const secret = () => testConfig().survey.secret;

    /** An open outreach of a fresh customer and its signed link. */
    async function openSurvey() {
      const customerId = uniqueCustomer('nps');
      const id = `${customerId}/1`;
      await h().db('outreaches').insert({ id, customer_id: customerId, seq: 1, trigger_key: 'test', trigger: JSON.stringify({}), status: 'running' });
      const o = (await getOutreach(h().db, id))!;
      const e = Math.floor(Date.now() / 1000) + 600;
      return { customerId, id, token: signSurveyToken(secret(), { o: id, e, r: recipientBinding(secret(), o) }), e };
    }
    const scoreOf = async (id: string) => (await h().db('outreaches').where({ id }).first('survey_score')).survey_score;

    it('JSON: refuses anything but a whole number 0-10, without coercion', async () => {
      const s = await openSurvey();
      for (const score of [null, '', true, '7', 7.5, '1e1', [7], {}, 11, -1]) {
        expectInvalid(await api.http.post(`/v1/surveys/${s.token}`).send({ score }), 'score');
        expectInvalid(await api.http.post(`/s/${s.token}`).send({ score }), 'score');
      }
      expectInvalid(await api.http.post(`/v1/surveys/${s.token}`).send({}), 'score');
      expect(await scoreOf(s.id)).to.equal(null);
      expect(await count('signals', { customer_id: s.customerId })).to.equal(0);
      expect(await journeyExists(s.customerId)).to.equal(false);
    });

    it('the HTML form: only the strings "0" … "10"', async () => {
      const s = await openSurvey();
      for (const score of ['7.5', '1e1', '', ' 7', '07', '11', '-0', '0x7', 'seven']) {
        const res = await api.http.post(`/s/${s.token}`).type('form').send({ score });
        expect(res.status, `score "${score}"`).to.equal(400);
        expect(res.text).to.include('choose a score');
      }
      expect(await scoreOf(s.id)).to.equal(null);
      expect(await count('signals', { customer_id: s.customerId })).to.equal(0);
      await api.http.post(`/s/${s.token}`).type('form').send({ score: '10' }).expect(200);
      expect(await scoreOf(s.id)).to.equal(10);
    });

    it('the answer’s signal cannot be preempted by a caller who sent the old survey- id first', async () => {
      const s = await openSurvey();
      await api.http.post('/v1/signals').send({ id: `survey-${s.customerId}_1`, customerId: s.customerId, type: 'login' }).expect(202);
      await api.http.post(`/v1/surveys/${s.token}`).send({ score: 3, comment: 'slow support' }).expect(201);
      const row = await h().db('signals').where({ id: `survey/${s.customerId}/1` }).first();
      expect(row).to.include({ customer_id: s.customerId, type: 'survey_response' });
      expect(row.metadata).to.include({ nps: 3, outreachId: s.id });
    });

    it('a link is bound to its outreach and recipient: another binding or the old unbound form is a 404 like a forged link', async () => {
      const s = await openSurvey();
      const other = signSurveyToken(secret(), { o: s.id, e: s.e, r: recipientBinding(secret(), { customerId: 'someone-else', startedAt: new Date().toISOString() }) });
      const unbound = signSurveyToken(secret(), { o: s.id, e: s.e } as never);
      for (const token of [other, unbound]) {
        await api.http.get(`/s/${token}`).expect(404);
        await api.http.get(`/v1/surveys/${token}`).expect(404);
        await api.http.post(`/v1/surveys/${token}`).send({ score: 9 }).expect(404);
        await api.http.post(`/s/${token}`).type('form').send({ score: '9' }).expect(404);
      }
      expect(await scoreOf(s.id)).to.equal(null);
      await api.http.get(`/v1/surveys/${s.token}`).expect(200);
    });
  });

  describe('alert cursors', () => {
    it('pages with its own cursors and refuses tampered ones with a 400 naming cursor', async () => {
      const customerId = uniqueCustomer('cursor');
      for (let i = 0; i < 2; i++) {
        await h().db('alerts').insert({
          id: randomUUID(),
          type: 'churn_signal',
          severity: 'high',
          customer_id: customerId,
          key: 'churn_signal',
          dedup_id: `test/${randomUUID()}`,
          recommended_action: JSON.stringify({ de: '-', en: '-' }),
          evidence: JSON.stringify({ signalIds: [] }),
        });
      }
      const first = await api.http.get('/v1/alerts').query({ customerId, limit: 1 }).expect(200);
      const cursor = first.body.nextCursor as string;
      expect(cursor).to.be.a('string');
      const second = await api.http.get('/v1/alerts').query({ customerId, limit: 1, cursor }).expect(200);
      expect(second.body.items).to.have.length(1);
      expect(second.body.items[0].id).to.not.equal(first.body.items[0].id);

      const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
      const enc = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
      const tampered = [
        enc([at, 'not-a-uuid']),
        enc([at, `${id}'--`]),
        enc(['2026-02-31T00:00:00.000000Z', id]),
        enc(['1', id]),
        enc(['0000-01-01T00:00:00.000000Z', id]),
        enc([at.replace('Z', '+00:00'), id]),
        enc([at, id, 'extra']),
        enc({ at, id }),
        enc([at, 7]),
        `${cursor}=`,
        `${cursor.slice(0, -2)}!!`,
        'abc',
      ];
      for (const bad of tampered) {
        expectInvalid(await api.http.get('/v1/alerts').query({ customerId, cursor: bad }), 'cursor', /not a cursor/);
      }
    });
  });
});

describe('GET /readyz', () => {
  it('says ready or not per check, and never why', async () => {
    const failing = {
      connection: { workflowService: { getSystemInfo: async () => Promise.reject(new Error('connect ECONNREFUSED 10.9.8.7:7233 (internal-host.corp)')) } },
    };
    const { app } = createApp({ config: testConfig(), db: h().db, client: failing as never, log, codec: h().codec });
    const res = await supertest(app).get('/readyz').expect(503);
    expect(res.body).to.deep.equal({ status: 'not ready', checks: { database: 'ok', temporal: 'unavailable' } });
    expect(res.text).to.not.match(/ECONNREFUSED|10\.9\.8\.7|internal-host/);

    const ok = await startApi().http.get('/readyz');
    expect(ok.status).to.equal(200);
    expect(ok.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });
});
