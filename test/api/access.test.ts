// Who may read, change or message: API keys (create/list/revoke over the API and the CLI), the first
// admin key, rate limits shared by API replicas, the alert-stream caps, survey links withheld from
// non-admins, and the secrets the processes refuse to start without.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import { assertDeployable, ConfigError, loadConfig } from '../../config';
import { createDb, migrate } from '../../db';
import { ensureFirstAdminKey, findActiveApiKey } from '../../db/api-keys';
import { recordInOutbox } from '../../integrations/outbox';
import { createKey, createTestDatabase, h, runScript, startApi, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('access: API keys and roles', () => {
  const api = useApi();

  it('an admin creates a key that is shown once, lists keys without secrets, and revokes one so it stops at once', async () => {
    const created = await api.http.post('/v1/keys').send({ role: 'operator', name: 'anna@care', customerIds: ['c-1', 'c-2'] }).expect(201);
    expect(created.body).to.include({ role: 'operator', name: 'anna@care', upstreamAnalysis: false, revokedAt: null });
    expect(created.body.customerIds).to.deep.equal(['c-1', 'c-2']);
    const key: string = created.body.key;
    expect(key).to.match(/^epk_[A-Za-z0-9_-]{43}$/);
    expect(created.headers.location).to.equal(`/v1/keys/${created.body.id}`);

    const row = await h().db('api_keys').where({ id: created.body.id }).first();
    expect(JSON.stringify(row), 'only a hash is stored').to.not.include(key);

    const list = await api.http.get('/v1/keys').expect(200);
    expect(JSON.stringify(list.body), 'the list never carries a key or its hash').to.not.include(key).and.not.include(row.key_hash);
    expect(list.body.items.find((k: { id: string }) => k.id === created.body.id)).to.include({ prefix: key.slice(0, 12) });

    await api.anon.get('/v1/customers/c-1/outreach').set('Authorization', `Bearer ${key}`).expect(404); // allowed, just unknown
    await api.anon.get('/v1/customers/c-3/outreach').set('Authorization', `Bearer ${key}`).expect(403);
    await api.anon.get('/v1/keys').set('Authorization', `Bearer ${key}`).expect(403);

    const revoked = await api.http.delete(`/v1/keys/${created.body.id}`).expect(200);
    expect(revoked.body.revokedAt).to.be.a('string');
    const after = await api.anon.get('/v1/alerts').set('Authorization', `Bearer ${key}`);
    expect(after.status).to.equal(401);
    expect(after.body.error.code).to.equal('unauthorized');
    await api.http.delete(`/v1/keys/${randomUUID()}`).expect(404);
  });

  it('refuses a bad key request with 400 naming the field, and an operator may not manage keys', async () => {
    const before = await h().db('api_keys').count({ n: '*' }).first();
    for (const [body, field] of [
      [{ role: 'root', name: 'x' }, 'role'],
      [{ role: 'admin', name: '' }, 'name'],
      [{ role: 'admin', name: 'a\nb' }, 'name'],
      [{ role: 'ingest', name: 'x', customerIds: ['has space'] }, 'customerIds.0'],
      [{ role: 'ingest', name: 'x', upstreamAnalysis: 'yes' }, 'upstreamAnalysis'],
      [{ role: 'ingest', name: 'x', key: 'my-own' }, 'key'],
    ] as const) {
      const res = await api.http.post('/v1/keys').send(body);
      expect(res.status, JSON.stringify(body)).to.equal(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field).join(' '), JSON.stringify(body)).to.include(field);
    }
    const operator = await createKey('operator');
    await api.anon.post('/v1/keys').set('Authorization', operator.auth).send({ role: 'admin', name: 'escalate' }).expect(403);
    expect(await h().db('api_keys').count({ n: '*' }).first()).to.deep.equal({ n: Number(before?.n) + 1 });
  });

  it('lets only trusted keys send upstream scores, and an ingest key reads nothing back', async () => {
    const customerId = uniqueCustomer();
    const trusted = await createKey('ingest', { upstreamAnalysis: true });
    await api.anon.post('/v1/signals').set('Authorization', trusted.auth).send({ customerId, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
    const plain = await createKey('ingest');
    const refused = await api.anon.post('/v1/signals').set('Authorization', plain.auth).send({ customerId, type: 'feedback', analysis: { tier: 'critical' } });
    expect(refused.status).to.equal(403);
    expect(refused.body.error.details).to.deep.equal([{ field: 'analysis', reason: 'upstream scores need a key created with upstreamAnalysis: true' }]);
    // An ingest key reads nothing back.
    await api.anon.get('/v1/alerts').set('Authorization', plain.auth).expect(403);
    await api.anon.get(`/v1/customers/${customerId}`).set('Authorization', plain.auth).expect(403);
  });

  it('withholds survey links in the outbox from everyone but admins', async () => {
    const customerId = uniqueCustomer();
    const body = 'Hi, how likely are you to recommend us? 1 minute: https://engage.example.test/s/eyJvIjoiYyJ9.c2lnbmF0dXJl';
    await recordInOutbox(h().db, { kind: 'sms', ref: `test-${customerId}`, customerId, recipient: '+4915112345678', subject: null, body });
    const operator = await createKey('operator');
    const seen = (await api.anon.get('/v1/outbox').set('Authorization', operator.auth).query({ customerId }).expect(200)).body.items;
    expect(seen).to.have.length(1);
    expect(seen[0].body).to.equal('Hi, how likely are you to recommend us? 1 minute: [survey link withheld]');
    expect((await api.http.get('/v1/outbox').query({ customerId }).expect(200)).body.items[0].body).to.equal(body);
  });
});

describe('access: rate limits (counted in Postgres, so shared by API replicas)', () => {
  const limited = () => {
    const c = testConfig();
    // X-Forwarded-For gives each test its own client address, away from the rest of the run's traffic.
    return { ...c, trustProxy: true, rateLimits: { keyPerMinute: 3, surveyPerMinute: 2, webhookPerMinute: 2, authFailuresPerMinute: 2 } };
  };

  it('answers 429 with Retry-After once a key has used its requests, on every replica', async () => {
    const replicaA = startApi(limited());
    const replicaB = startApi(limited());
    const key = await createKey('operator');
    const other = await createKey('operator');
    await replicaA.anon.get('/v1/alerts/counts').set('Authorization', key.auth).expect(200);
    await replicaB.anon.get('/v1/alerts/counts').set('Authorization', key.auth).expect(200);
    await replicaA.anon.get('/v1/alerts/counts').set('Authorization', key.auth).expect(200);
    const over = await replicaB.anon.get('/v1/alerts/counts').set('Authorization', key.auth);
    expect(over.status).to.equal(429);
    expect(over.body.error.code).to.equal('too_many_requests');
    expect(Number(over.headers['retry-after'])).to.be.within(1, 60);
    await replicaA.anon.get('/v1/alerts/counts').set('Authorization', other.auth).expect(200);
  });

  it('limits the public survey and webhooks per client address', async () => {
    const app = startApi(limited());
    const address = `203.0.113.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 2; i++) await app.anon.get('/v1/surveys/forged.token').set('X-Forwarded-For', address).expect(404);
    const over = await app.anon.get('/s/forged.token').set('X-Forwarded-For', address);
    expect(over.status).to.equal(429);
    expect(over.headers['retry-after']).to.match(/^\d+$/);
    await app.anon.get('/v1/surveys/forged.token').set('X-Forwarded-For', '198.51.100.7').expect(404);

    const hook = `198.51.100.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 2; i++) await app.anon.post('/v1/webhooks/twilio/status').set('X-Forwarded-For', hook).type('form').send({ MessageSid: 'SM1' }).expect(403);
    expect((await app.anon.post('/v1/webhooks/twilio/status').set('X-Forwarded-For', hook).type('form').send({ MessageSid: 'SM1' })).status).to.equal(429);
  });

  it('refuses an address that keeps guessing keys, even when it then guesses right', async () => {
    const app = startApi(limited());
    const address = `192.0.2.${Math.floor(Math.random() * 250) + 1}`;
    for (let i = 0; i < 2; i++) await app.anon.get('/v1/alerts').set('X-Forwarded-For', address).set('Authorization', `Bearer epk_guess${i}`).expect(401);
    expect((await app.anon.get('/v1/alerts').set('X-Forwarded-For', address).set('Authorization', 'Bearer epk_guess3')).status).to.equal(429);
    const fresh = await createKey('operator');
    expect((await app.anon.get('/v1/alerts').set('X-Forwarded-For', address).set('Authorization', fresh.auth)).status).to.equal(429);
    // No key at all is not a guess: it stays a 401 elsewhere.
    await app.anon.get('/v1/alerts').set('X-Forwarded-For', '192.0.2.254').expect(401);
  });
});

describe('access: the alert stream', () => {
  it('holds at most STREAM_MAX_PER_KEY open streams per key', async () => {
    const api = startApi({ ...testConfig(), stream: { maxPerKey: 2, maxReplay: 5 } });
    const server = api.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const key = await createKey('operator');
    const controllers: AbortController[] = [];
    const open = async (auth: string) => {
      const c = new AbortController();
      controllers.push(c);
      return fetch(`${base}/v1/alerts/stream`, { headers: { authorization: auth, accept: 'text/event-stream' }, signal: c.signal });
    };
    try {
      expect((await open(key.auth)).status).to.equal(200);
      expect((await open(key.auth)).status).to.equal(200);
      const third = await open(key.auth);
      expect(third.status).to.equal(429);
      expect(third.headers.get('retry-after')).to.match(/^\d+$/);
      expect((await open(`Bearer ${h().adminKey}`)).status, 'another key is not affected').to.equal(200);
      // A replay deeper than maxReplay is refused: reconnect without Last-Event-ID and page the list instead.
      // Six alert events of our own make sure there is something that deep to ask for.
      for (let i = 0; i < 6; i++) {
        const customerId = uniqueCustomer('replay');
        await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
        await waitProcessed(customerId);
      }
      // The ids six and five events back (ids may have gaps; the limit counts events).
      const back = async (n: number) => String((await h().db('alert_events').orderBy('id', 'desc').offset(n).first('id')).id);
      const deep = await fetch(`${base}/v1/alerts/stream`, { headers: { authorization: `Bearer ${h().adminKey}`, 'last-event-id': await back(6) } });
      expect(deep.status).to.equal(400);
      const shallow = new AbortController();
      controllers.push(shallow);
      const near = await fetch(`${base}/v1/alerts/stream`, { headers: { authorization: `Bearer ${h().adminKey}`, 'last-event-id': await back(5) }, signal: shallow.signal });
      expect(near.status, 'five events behind is within the replay').to.equal(200);
    } finally {
      for (const c of controllers) c.abort();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await api.feed.close();
    }
  });
});

describe('access: never open by default', () => {
  it('the first start creates one admin key (or registers ADMIN_API_KEY); later starts create none and a revoked ADMIN_API_KEY stays revoked', async () => {
    const scratch = await createTestDatabase();
    const db = createDb(scratch.url, { pool: 2 });
    try {
      await migrate(db);
      const first = await ensureFirstAdminKey(db, undefined);
      expect(first.created).to.equal(true);
      expect(first.key).to.match(/^epk_/);
      expect((await findActiveApiKey(db, first.key!))?.role).to.equal('admin');
      expect(await ensureFirstAdminKey(db, undefined)).to.deep.equal({ created: false, fromEnv: false });

      const fromEnv = `env-admin-${randomUUID()}-${randomUUID()}`;
      expect(await ensureFirstAdminKey(db, fromEnv)).to.deep.equal({ created: true, key: undefined, fromEnv: true });
      expect((await findActiveApiKey(db, fromEnv))?.name).to.equal('ADMIN_API_KEY');
      await db('api_keys').where({ name: 'ADMIN_API_KEY' }).update({ revoked_at: new Date() });
      expect((await ensureFirstAdminKey(db, fromEnv)).created).to.equal(false);
      expect(await findActiveApiKey(db, fromEnv)).to.equal(null);
      const rows = await db('api_keys').select('key_hash');
      expect(JSON.stringify(rows)).to.not.include(first.key!).and.not.include(fromEnv);
    } finally {
      await db.destroy();
      await scratch.drop();
    }
  });

  it('the API and the worker refuse to start with the development survey secret or a short CRM token', async () => {
    expect(() => assertDeployable(loadConfig({}))).to.throw(ConfigError, /SURVEY_SECRET/);
    const codec = `k1:${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => assertDeployable(loadConfig({ SURVEY_SECRET: 'x'.repeat(40), PSEUDONYM_SECRET: 'p'.repeat(32), CODEC_MASTER_KEYS: codec, CRM_WEBHOOK_TOKEN: 'short' }))).to.throw(ConfigError, /CRM_WEBHOOK_TOKEN/);
    expect(() => assertDeployable(loadConfig({ SURVEY_SECRET: 'x'.repeat(40), PSEUDONYM_SECRET: 'p'.repeat(32) }))).to.throw(ConfigError, /CODEC_MASTER_KEYS/);
    expect(() => loadConfig({ CODEC_MASTER_KEYS: 'k1:tooshort' })).to.throw(ConfigError, /CODEC_MASTER_KEYS/);
    expect(() => assertDeployable(loadConfig({ SURVEY_SECRET: 'x'.repeat(40) }))).to.throw(ConfigError, /PSEUDONYM_SECRET/);
    expect(() => loadConfig({ PSEUDONYM_SECRET: 'too-short' })).to.throw(ConfigError, /PSEUDONYM_SECRET/);
    expect(() => assertDeployable(loadConfig({ SURVEY_SECRET: 'too-short' }))).to.throw(ConfigError, /SURVEY_SECRET/);
    expect(() => loadConfig({ ADMIN_API_KEY: 'admin' })).to.throw(ConfigError, /ADMIN_API_KEY/);
    expect(() => assertDeployable(loadConfig({ SURVEY_SECRET: 'x'.repeat(40), PSEUDONYM_SECRET: 'p'.repeat(32), CODEC_MASTER_KEYS: codec, CRM_WEBHOOK_TOKEN: 'y'.repeat(32) }))).to.not.throw();
    const env = { DATABASE_URL: h().databaseUrl, SURVEY_SECRET: '', TEMPORAL_ADDRESS: '127.0.0.1:1' };
    for (const entry of ['api/main.ts', 'worker/main.ts']) {
      const r = await runScript(entry, [], env);
      expect(r.code, entry).to.equal(1);
      expect(r.stderr, entry).to.include('SURVEY_SECRET');
    }
  });

  it('npm run keys creates, lists and revokes keys against DATABASE_URL', async () => {
    const env = { DATABASE_URL: h().databaseUrl };
    const created = await runScript('scripts/keys.ts', ['create', '--role', 'operator', '--name', 'cli-test', '--customers', 'c-1,c-2'], env);
    expect(created.code, created.stderr).to.equal(0);
    const k = JSON.parse(created.stdout);
    expect(k).to.include({ role: 'operator', name: 'cli-test' });
    expect((await findActiveApiKey(h().db, k.key))?.customerIds).to.deep.equal(['c-1', 'c-2']);
    const listed = await runScript('scripts/keys.ts', ['list'], env);
    expect(listed.stdout).to.include(k.id).and.not.include(k.key);
    const revoked = await runScript('scripts/keys.ts', ['revoke', k.id], env);
    expect(revoked.code).to.equal(0);
    expect(await findActiveApiKey(h().db, k.key)).to.equal(null);
    const bad = await runScript('scripts/keys.ts', ['create', '--role', 'root', '--name', 'x'], env);
    expect(bad.code).to.equal(2);
    expect(bad.stderr).to.include('--role');
  });
});
