// The ops console's session: an API key pasted once becomes an HttpOnly cookie that stands for the
// key on /v1, with a CSRF token for anything that changes state; sign-out ends it on the server.
import { expect } from 'chai';
import { createKey, eventually, h, startApi, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

const cookieOf = (setCookie: string[] | string | undefined) => {
  const line = ([] as string[]).concat(setCookie ?? []).find((c) => c.startsWith('ep_console='));
  expect(line, 'a session cookie is set').to.be.a('string');
  return { line: line!, pair: line!.split(';')[0] };
};

describe('ops console session (cookie + CSRF)', () => {
  const api = useApi();

  it('signs an operator in with a key: HttpOnly SameSite=Strict cookie, only a hash stored, /v1 reads with the cookie', async () => {
    const ops = await createKey('operator', { name: 'console-ops' });
    const res = await api.anon.post('/console/session').send({ key: ops.key }).expect(201);
    expect(res.body).to.include({ name: 'console-ops', role: 'operator' });
    expect(res.body.csrfToken).to.be.a('string').with.length.greaterThan(20);
    expect(JSON.stringify(res.body)).not.to.include(ops.key);
    const { line, pair } = cookieOf(res.headers['set-cookie']);
    expect(line).to.match(/HttpOnly/i).and.match(/SameSite=Strict/i).and.match(/Path=\//);
    expect(line, 'no Secure flag over plain http').not.to.match(/Secure/i);
    const token = pair.slice('ep_console='.length);
    const rows = await h().db('console_sessions').where({ key_id: ops.id });
    expect(rows).to.have.length(1);
    expect(JSON.stringify(rows)).not.to.include(token);
    expect(rows[0].token_hash).to.match(/^[0-9a-f]{64}$/);

    await api.anon.get('/v1/alerts').set('Cookie', pair).expect(200);
    const session = await api.anon.get('/console/session').set('Cookie', pair).expect(200);
    expect(session.body).to.deep.equal(res.body);
    // The console key's role still rules: an operator may not manage keys.
    await api.anon.get('/v1/keys').set('Cookie', pair).expect(403);
  });

  it('refuses a state-changing request without the CSRF token (403) and acts as the key with it', async () => {
    const customerId = uniqueCustomer();
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you.' }).expect(202);
    await waitProcessed(customerId);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId })).body.items[0], 10_000, 'the alert');
    const ops = await createKey('operator', { name: 'console-acker' });
    const signIn = await api.anon.post('/console/session').send({ key: ops.key }).expect(201);
    const { pair } = cookieOf(signIn.headers['set-cookie']);

    const noCsrf = await api.anon.post(`/v1/alerts/${alert.id}/acknowledge`).set('Cookie', pair).send({ note: 'x' });
    expect(noCsrf.status).to.equal(403);
    expect(noCsrf.body.error.details[0].field).to.equal('x-csrf-token');
    await api.anon.post(`/v1/alerts/${alert.id}/acknowledge`).set('Cookie', pair).set('X-CSRF-Token', 'wrong').send({}).expect(403);
    expect((await api.http.get(`/v1/alerts/${alert.id}`)).body.status).to.equal('active');

    const acked = await api.anon.post(`/v1/alerts/${alert.id}/acknowledge`).set('Cookie', pair).set('X-CSRF-Token', signIn.body.csrfToken).send({ note: 'on it' }).expect(200);
    expect(acked.body).to.include({ status: 'acknowledged', acknowledgedBy: 'console-acker' });
  });

  it('refuses wrong keys (401) and ingest keys (403); sign-out and revocation end the session', async () => {
    await api.anon.post('/console/session').send({ key: 'epk_wrong' }).expect(401);
    await api.anon.post('/console/session').send({}).expect(400);
    const ingest = await createKey('ingest');
    await api.anon.post('/console/session').send({ key: ingest.key }).expect(403);

    const ops = await createKey('operator');
    const signIn = await api.anon.post('/console/session').send({ key: ops.key }).expect(201);
    const { pair } = cookieOf(signIn.headers['set-cookie']);
    await api.anon.delete('/console/session').set('Cookie', pair).expect(403);
    const out = await api.anon.delete('/console/session').set('Cookie', pair).set('X-CSRF-Token', signIn.body.csrfToken).expect(204);
    expect(cookieOf(out.headers['set-cookie']).line).to.match(/Max-Age=0/);
    expect(await h().db('console_sessions').where({ key_id: ops.id })).to.have.length(0);
    await api.anon.get('/v1/alerts').set('Cookie', pair).expect(401);
    await api.anon.get('/console/session').set('Cookie', pair).expect(401);

    const again = await api.anon.post('/console/session').send({ key: ops.key }).expect(201);
    const second = cookieOf(again.headers['set-cookie']).pair;
    await api.anon.get('/v1/alerts').set('Cookie', second).expect(200);
    await api.http.delete(`/v1/keys/${ops.id}`).expect(200);
    await api.anon.get('/v1/alerts').set('Cookie', second).expect(401);
  });

  it('throttles an address that keeps guessing keys at sign-in', async () => {
    const config = testConfig();
    const limited = startApi({ ...config, rateLimits: { ...config.rateLimits, authFailuresPerMinute: 3 }, trustProxy: true });
    const ip = `10.12.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;
    const ops = await createKey('operator');
    for (let i = 0; i < 3; i++) await limited.anon.post('/console/session').set('X-Forwarded-For', ip).send({ key: `epk_guess${i}` }).expect(401);
    await limited.anon.post('/console/session').set('X-Forwarded-For', ip).send({ key: 'epk_guess-more' }).expect(429);
    await limited.anon.post('/console/session').set('X-Forwarded-For', ip).send({ key: ops.key }).expect(429);
    await limited.feed.close();
  });

  it('serves the console pages with a strict Content-Security-Policy and the vendor modules from node_modules', async () => {
    const page = await api.anon.get('/console/').expect(200);
    expect(page.headers['content-type']).to.match(/text\/html/);
    expect(page.headers['content-security-policy']).to.include("script-src 'self'");
    const hooks = await api.anon.get('/console/vendor/hooks.mjs').expect(200);
    expect(hooks.text).to.include('./preact.mjs').and.not.include('from"preact"');
    await api.anon.get('/console/vendor/chart.umd.min.js').expect(200);
    const config = await api.anon.get('/console/config.json').expect(200);
    expect(config.body.temporalUiUrl).to.match(/^http:\/\/127\.0\.0\.1:\d+$/);
  });
});
