// Walks every operation in the OpenAPI document as a hostile caller would: without a key, with a
// wrong or revoked one, with the wrong role, and with each kind of bad input. Each answer must be
// the 4xx the contract names — never a 500 — and afterwards Postgres must hold exactly what it held
// before, and no workflow may have been started or signalled.
import { expect } from 'chai';
import type { Response } from 'supertest';
import { openApiDocument } from '../../api/openapi';
import { journeyWorkflowId } from '../../domain/messages';
import { createKey, eventually, h, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

type Method = 'get' | 'post' | 'put' | 'delete';
interface Operation {
  method: Method;
  path: string;
  role: string;
  hasBody: boolean;
}

const doc = openApiDocument() as { paths: Record<string, Record<string, { 'x-required-role': string; requestBody?: unknown }>> };
const operations: Operation[] = Object.entries(doc.paths).flatMap(([path, ops]) =>
  Object.entries(ops).map(([method, o]) => ({ method: method as Method, path, role: o['x-required-role'], hasBody: Boolean(o.requestBody) })),
);
const keyed = operations.filter((o) => ['ingest', 'operator', 'admin'].includes(o.role));
const WRONG_ROLES: Record<string, string[]> = { ingest: ['operator'], operator: ['ingest'], admin: ['ingest', 'operator'] };

// Tables a background process may touch on its own (the window evaluator's buckets, the limiter's counters).
const VOLATILE = new Set(['rate_limits', 'window_buckets', 'window_points', 'window_pending', 'knex_migrations', 'knex_migrations_lock']);

/** A digest of every row of every table (signals by id only: their delivery bookkeeping moves on its own). */
async function snapshot(): Promise<Record<string, string>> {
  const tables = (await h().db.raw(`select tablename from pg_tables where schemaname = 'public' order by 1`)).rows.map((r: { tablename: string }) => r.tablename);
  const out: Record<string, string> = {};
  for (const t of tables) {
    if (VOLATILE.has(t)) continue;
    const row = t === 'signals' ? `t.id || t.customer_id || t.payload_hash` : 't::text';
    const r = await h().db.raw(`select count(*) as n, md5(coalesce(string_agg(${row}, '|' order by ${row}), '')) as d from "${t}" t`);
    out[t] = `${r.rows[0].n}:${r.rows[0].d}`;
  }
  return out;
}

/**
 * The snapshot once the background work of earlier tests has come to rest: no signal of theirs is
 * still to be delivered within the next minute (a failed delivery comes back after a backoff of
 * seconds, and its journey then writes analyses, audit entries and customers), and four snapshots
 * half a second apart agree; or 60 s have passed.
 */
async function settledSnapshot(): Promise<Record<string, string>> {
  let last = await snapshot();
  for (let i = 0, quiet = 0; i < 120 && quiet < 3; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const next = await snapshot();
    const [{ n }] = await h()
      .db('signals')
      .where({ delivery_status: 'pending' })
      .andWhere((q) => q.whereNull('next_attempt_at').orWhere('next_attempt_at', '<', h().db.raw(`now() + interval '1 minute'`)))
      .count({ n: '*' });
    quiet = Number(n) === 0 && JSON.stringify(next) === JSON.stringify(last) ? quiet + 1 : 0;
    last = next;
  }
  return last;
}

async function journeyEvents(customerId: string): Promise<number> {
  const history = await h().client.workflow.getHandle(journeyWorkflowId(customerId)).fetchHistory();
  return history.events?.length ?? 0;
}

const countWorkflows = async () => (await h().client.workflow.count()).count;

function expectError(res: Response, status: number, what: string) {
  expect(res.status, `${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).to.equal(status);
  expect(res.body?.error, `${what}: standard error shape`).to.include.keys('code', 'message', 'details');
}

describe('hostile requests against every operation in the OpenAPI document', function () {
  this.timeout(180_000);
  // Failed-authentication throttling is off here: this suite guesses far more often than 60 times a minute.
  const api = useApi(() => {
    const config = testConfig({ crmWebhookToken: 'crm-token-for-hostile-tests-0123456789' });
    return { ...config, rateLimits: { ...config.rateLimits, authFailuresPerMinute: 0 } };
  });
  const customerId = uniqueCustomer('target');
  const ids: Record<string, string> = {};
  const keys: Record<string, string> = {};

  before(async () => {
    const accepted = await api.http
      .post('/v1/signals')
      .send({ customerId, type: 'feedback', language: 'en', text: 'If this is not fixed I will sue you and my lawyer will be in touch.' })
      .expect(202);
    await waitProcessed(customerId);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items[0], 10_000, 'the alert');
    await api.http.put(`/v1/customers/${customerId}`).send({ name: 'Ada Target', phone: '+4915112345678', consents: { sms: true } }).expect(201);
    for (const role of ['ingest', 'operator', 'admin'] as const) keys[role] = (await createKey(role)).auth;
    const revoked = await createKey('admin');
    await api.http.delete(`/v1/keys/${revoked.id}`).expect(200);
    keys.revoked = revoked.auth;
    keys.limited = (await createKey('admin', { customerIds: ['somebody-else'] })).auth;
    Object.assign(ids, { signal: accepted.body.signalId, alert: alert.id, customer: customerId, key: revoked.id, token: 'eyJvIjoieCJ9.forged' });
  });

  function urlOf(op: Operation, param?: string): string {
    return op.path.replace(/\{(\w+)\}/, (_m, name: string) => {
      if (param !== undefined) return param;
      if (op.path.startsWith('/v1/signals')) return encodeURIComponent(ids.signal);
      if (op.path.startsWith('/v1/alerts')) return ids.alert;
      if (op.path.startsWith('/v1/customers')) return ids.customer;
      if (op.path.startsWith('/v1/keys')) return ids.key;
      return name === 'token' ? ids.token : 'x';
    });
  }

  /** A body the operation would accept from the right caller. */
  function validBody(op: Operation): object | undefined {
    if (!op.hasBody) return undefined;
    const signal = { customerId, type: 'feedback', text: 'probe: the app keeps crashing', language: 'en' };
    const bodies: Record<string, object> = {
      'post /v1/signals': signal,
      'post /v1/signals/batch': { signals: [signal] },
      'post /v1/alerts/{id}/acknowledge': { note: 'looking' },
      'post /v1/alerts/{id}/resolve': { note: 'done' },
      'put /v1/customers/{id}': { name: 'Ada Probe', phone: '+4915100000000', consents: { sms: true } },
      'post /v1/keys': { role: 'admin', name: 'probe' },
      'post /v1/surveys/{token}': { score: 3 },
      'post /v1/webhooks/crm': { eventId: 'probe-1', event: 'signal', customerId, reason: 'probe' },
      'post /codec/decode': { payloads: [] },
      'post /codec/encode': { payloads: [] },
    };
    return bodies[`${op.method} ${op.path}`] ?? {};
  }

  function send(op: Operation, opts: { auth?: string; url?: string; body?: object | string } = {}) {
    let r = api.anon[op.method](opts.url ?? urlOf(op));
    if (opts.auth) r = r.set('Authorization', opts.auth);
    if (op.path === '/v1/alerts/stream') r = r.timeout({ response: 5000 }).buffer(false);
    if (typeof opts.body === 'string') return r.set('content-type', 'application/json').send(opts.body);
    return opts.body === undefined ? r : r.send(opts.body);
  }

  it('the document declares who may call every operation', () => {
    expect(operations.length).to.be.greaterThan(20);
    for (const op of operations) expect(['ingest', 'operator', 'admin', 'crm-token', 'twilio-signature', 'survey-link', 'public'], `${op.method} ${op.path}`).to.include(op.role);
    for (const op of operations.filter((o) => o.path.startsWith('/v1/') && !o.path.startsWith('/v1/webhooks') && !o.path.startsWith('/v1/surveys'))) {
      expect(op.role, `${op.method} ${op.path} needs a key`).to.be.oneOf(['ingest', 'operator', 'admin']);
    }
  });

  it('refuses every keyed operation without a valid key (401), with the wrong role (403), and with bad input (400 naming where), changing nothing', async () => {
    const before = await settledSnapshot();
    const events = await journeyEvents(customerId);
    const workflows = await countWorkflows();

    for (const op of keyed) {
      const what = `${op.method.toUpperCase()} ${op.path}`;
      const body = validBody(op);
      // 401: no key, a malformed header, an unknown key, a revoked key.
      for (const auth of [undefined, 'Basic YWRtaW46YWRtaW4=', 'Bearer ', 'Bearer epk_not-a-real-key', keys.revoked]) {
        const res = await send(op, { auth, body });
        expectError(res, 401, `${what} with ${auth ? auth.slice(0, 14) : 'no key'}`);
        expect(res.headers['www-authenticate']).to.equal('Bearer');
      }
      // 403: a valid key without the role.
      for (const role of WRONG_ROLES[op.role]) {
        const res = await send(op, { auth: keys[role], body });
        expectError(res, 403, `${what} as ${role}`);
        expect(res.body.error.code).to.equal('forbidden');
      }
      // 400: NUL, broken %-encoding and invalid UTF-8 in the path or the query; NUL and unpaired surrogates in the body.
      const pathCases = op.path.includes('{') ? ['a%00b', 'a%zzb', '%E0%A4%A', '%ED%A0%80', 'a%'] : [];
      for (const bad of pathCases) {
        const res = await send(op, { auth: keys.admin, url: urlOf(op, bad), body });
        expectError(res, 400, `${what} path ${bad}`);
        expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include('path');
      }
      for (const q of ['customerId=a%00b', 'customerId=%ED%A0%80', 'customerId=%E0%A4%A', 'customerId=%zz']) {
        const res = await send(op, { auth: keys.admin, url: `${urlOf(op)}?${q}`, body });
        expectError(res, 400, `${what} query ${q}`);
        expect(res.body.error.details.map((d: { field: string }) => d.field)).to.include('customerId');
      }
      if (body) {
        const [field] = Object.keys(body).filter((k) => typeof (body as Record<string, unknown>)[k] === 'string');
        const target = field ?? 'note';
        for (const poison of ['"a\\u0000b"', '"\\ud800x"', '"x\\udc00"']) {
          const raw = JSON.stringify({ ...body, [target]: '__POISON__' }).replace('"__POISON__"', poison);
          const res = await send(op, { auth: keys.admin, body: raw });
          expectError(res, 400, `${what} body ${target}=${poison}`);
          expect(res.body.error.details.map((d: { field: string }) => d.field), `${what} names ${target}`).to.include(target);
        }
        const deep = JSON.stringify({ ...body, [target]: '__DEEP__' }).replace('"__DEEP__"', '['.repeat(5000) + ']'.repeat(5000));
        expectError(await send(op, { auth: keys.admin, body: deep }), 400, `${what} deep body`);
        expectError(await send(op, { auth: keys.admin, body: '{"broken": ' }), 400, `${what} broken JSON`);
      }
    }

    // Object level: a key limited to other customers may not touch this one.
    expectError(await api.anon.get(`/v1/customers/${customerId}`).set('Authorization', keys.limited), 403, 'limited key reads the customer');
    expectError(await api.anon.put(`/v1/customers/${customerId}`).set('Authorization', keys.limited).send({ name: 'Mallory' }), 403, 'limited key writes the profile');
    expectError(await api.anon.post('/v1/signals').set('Authorization', keys.limited).send({ customerId, type: 'feedback', text: 'x' }), 403, 'limited key sends a signal');
    expectError(await api.anon.get(`/v1/alerts/${ids.alert}`).set('Authorization', keys.limited), 404, 'limited key reads the alert');
    expectError(await api.anon.post(`/v1/alerts/${ids.alert}/resolve`).set('Authorization', keys.limited).send({}), 404, 'limited key resolves the alert');
    expectError(await api.anon.get(`/v1/signals/${encodeURIComponent(ids.signal)}`).set('Authorization', keys.limited), 404, 'limited key reads the signal');
    expectError(await api.anon.get('/v1/keys').set('Authorization', keys.limited), 403, 'limited admin lists keys');
    const listed = await api.anon.get('/v1/alerts').set('Authorization', keys.limited).query({ status: 'active' });
    expect(listed.status).to.equal(200);
    expect(listed.body.items.filter((a: { customerId: string }) => a.customerId === customerId)).to.have.length(0);
    // Upstream scores are a privilege: an ingest key without it gets a 403 naming analysis.
    const scored = await api.anon.post('/v1/signals').set('Authorization', keys.ingest).send({ customerId, type: 'feedback', analysis: { tier: 'critical' } });
    expectError(scored, 403, 'upstream scores from an ordinary ingest key');
    expect(scored.body.error.details[0].field).to.equal('analysis');
    const scoredBatch = await api.anon
      .post('/v1/signals/batch')
      .set('Authorization', keys.ingest)
      .send({ signals: [{ customerId, type: 'feedback', text: 'fine' }, { customerId, type: 'feedback', analysis: { legalThreat: true } }] });
    expectError(scoredBatch, 403, 'a batch with one scored item');
    expect(scoredBatch.body.error.details[0].field).to.equal('signals.1.analysis');
    // The alert stream: a Last-Event-ID that this stream never gave out.
    for (const id of ['yesterday', '-1', '99999999999', '1e3']) {
      const res = await api.anon.get('/v1/alerts/stream').set('Authorization', keys.operator).set('Last-Event-ID', id);
      expectError(res, 400, `Last-Event-ID ${id}`);
      expect(res.body.error.details[0].field).to.equal('Last-Event-ID');
    }
    // Public endpoints keep their own checks.
    const crm = doc.paths['/v1/webhooks/crm'].post;
    expect(crm['x-required-role']).to.equal('crm-token');
    expectError(await api.anon.post('/v1/webhooks/crm').send(validBody({ method: 'post', path: '/v1/webhooks/crm', role: 'crm-token', hasBody: true })), 401, 'CRM webhook without its token');
    expectError(await api.anon.post('/v1/webhooks/twilio/sms').type('form').send({ From: '+4915112345678', Body: 'STOP', MessageSid: 'SM1' }), 403, 'unsigned Twilio webhook');
    expectError(await api.anon.post(`/v1/surveys/${ids.token}`).send({ score: 0 }), 404, 'forged survey link');
    expectError(await api.anon.get('/v1/surveys/a%00b'), 400, 'NUL in a survey link');

    expect(await snapshot(), 'Postgres unchanged').to.deep.equal(before);
    expect(await journeyEvents(customerId), 'the journey was not signalled').to.equal(events);
    expect(await countWorkflows(), 'no workflow was started').to.equal(workflows);
  });

  it('answers /readyz to anyone with ready or not and no internals', async () => {
    const res = await api.anon.get('/readyz');
    expect(res.status).to.equal(200);
    expect(res.body).to.deep.equal({ status: 'ready', checks: { database: 'ok', temporal: 'ok' } });
  });
});
