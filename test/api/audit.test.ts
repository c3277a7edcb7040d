// The audit trail through the API: real actions leave entries (scores, alerts fired and suppressed,
// acknowledge/resolve by the key's name, profile and consent changes, keys), customers appear only
// by pseudonym and no personal data is stored, the chain verifies, and only admins read it.
import { expect } from 'chai';
import { verifyAuditChain } from '../../db/audit';
import { pseudonymOf } from '../../domain/privacy';
import { createKey, eventually, h, PSEUDONYM_SECRET, uniqueCustomer, useApi, waitProcessed } from '../harness';

interface Entry {
  id: number;
  at: string;
  actor: string;
  action: string;
  subject: string | null;
  data: Record<string, any>;
  prevHash: string;
  hash: string;
}

describe('audit trail over the API', function () {
  this.timeout(120_000);
  const api = useApi();
  const customerId = uniqueCustomer('audited');
  const subject = pseudonymOf(PSEUDONYM_SECRET, customerId);
  const personal = { name: 'Ada Lovelace-Audit', phone: '+4915187654321', email: 'ada.audit@example.com' };
  const complaint = 'Your billing department double charged me again and I will sue you over this';
  let entries: Entry[] = [];
  let operatorName = '';

  before(async () => {
    await api.http
      .put(`/v1/customers/${customerId}`)
      .send({ ...personal, locale: 'en', consents: { sms: true, email: false, analysis: true } })
      .expect(201);
    await api.http.put(`/v1/customers/${customerId}`).send({ ...personal, locale: 'en', phone: '+4915100000001', consents: { sms: false, email: false, analysis: true } }).expect(200);
    // The same rule twice within the cooldown: the first fires, the second is suppressed.
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: complaint }).expect(202);
    await waitProcessed(customerId, 1);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: `${complaint}, truly` }).expect(202);
    await waitProcessed(customerId, 2);
    const operator = await createKey('operator', { name: 'anna@care' });
    operatorName = operator.name;
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items[0], 10_000, 'the alert');
    await api.anon.post(`/v1/alerts/${alert.id}/acknowledge`).set('Authorization', operator.auth).send({ note: `calling ${personal.name}` }).expect(200);
    await api.anon.post(`/v1/alerts/${alert.id}/resolve`).set('Authorization', operator.auth).send({ note: 'done' }).expect(200);
    entries = (await api.http.get('/v1/audit').query({ customerId, limit: 1000 }).expect(200)).body.items;
  });

  it('records scores, alerts fired and suppressed, acknowledge/resolve by the key, profile and consent changes', () => {
    const actions = entries.map((e) => e.action);
    expect(actions).to.include.members(['profile.changed', 'consent.changed', 'signal.scored', 'alert.fired', 'alert.suppressed', 'alert.acknowledged', 'alert.resolved']);
    expect(entries.every((e) => e.subject === subject)).to.equal(true);

    const scored = entries.filter((e) => e.action === 'signal.scored');
    expect(scored).to.have.length(2);
    expect(scored[0].actor).to.equal('system');
    expect(scored[0].data).to.include.keys('score', 'tier', 'risk', 'contributions', 'modelVersion', 'signal');
    expect(scored[0].data.contributions[0]).to.have.keys('factor', 'weight');

    const fired = entries.find((e) => e.action === 'alert.fired' && e.data.rule === 'legal_threat')!;
    expect(fired.data).to.include({ severity: 'crisis' });
    expect(fired.data.reason).to.be.an('object');
    const suppressed = entries.find((e) => e.action === 'alert.suppressed')!;
    expect(suppressed.data).to.include({ rule: 'legal_threat', reason: 'cooldown', countedOnAlertId: fired.data.alertId });

    const ack = entries.find((e) => e.action === 'alert.acknowledged')!;
    const resolved = entries.find((e) => e.action === 'alert.resolved')!;
    expect(ack.actor).to.equal('anna@care').and.equal(operatorName);
    expect(ack.data).to.include({ alertId: fired.data.alertId, from: 'active', withNote: true });
    expect(resolved).to.deep.include({ actor: 'anna@care' });
    expect(resolved.data).to.include({ from: 'acknowledged' });

    const profiles = entries.filter((e) => e.action === 'profile.changed');
    expect(profiles.map((e) => e.data.created)).to.deep.equal([true, false]);
    expect(profiles[1].data.fields).to.deep.equal(['phone']);
    const consents = entries.filter((e) => e.action === 'consent.changed');
    expect(consents[1].data).to.deep.include({ purposes: ['sms'], from: { sms: true }, to: { sms: false } });
    // Ordered as they happened, oldest first.
    expect(entries.map((e) => e.id)).to.deep.equal([...entries.map((e) => e.id)].sort((a, b) => a - b));
  });

  it('stores no personal data and no customer id: only the pseudonym', async () => {
    const { rows } = await h().db.raw(`select coalesce(string_agg(t::text, E'\\n'), '') as all from audit_log t`);
    const text: string = rows[0].all;
    expect(text).to.include(subject);
    for (const value of [customerId, personal.name, personal.phone, '+4915100000001', personal.email, 'double charged', 'billing department']) {
      expect(text, value).not.to.include(value);
    }
  });

  it('the chain verifies after real actions', async () => {
    const r = await verifyAuditChain(h().db);
    expect(r.ok, JSON.stringify(r.problem)).to.equal(true);
    expect(r.rows).to.be.greaterThan(entries.length - 1);
  });

  it('records key creation and revocation by the admin key’s name', async () => {
    const made = await api.http.post('/v1/keys').send({ role: 'ingest', name: 'audited-key', customerIds: [customerId] }).expect(201);
    await api.http.delete(`/v1/keys/${made.body.id}`).expect(200);
    await api.http.delete(`/v1/keys/${made.body.id}`).expect(200);
    const rows = await h().db('audit_log').whereRaw(`data->>'keyId' = ?`, [made.body.id]).orderBy('id');
    expect(rows.map((r: Entry) => [r.action, r.actor, r.subject])).to.deep.equal([
      ['key.created', 'test-admin', null],
      ['key.revoked', 'test-admin', null],
    ]);
    expect(rows[0].data).to.include({ role: 'ingest', limitedToCustomers: 1 });
    expect(JSON.stringify(rows)).not.to.include(customerId);
  });

  it('pages by cursor, filters by time, refuses a forged cursor, and exports the same entries as JSON lines', async () => {
    const first = await api.http.get('/v1/audit').query({ customerId, limit: 2 }).expect(200);
    expect(first.body.items).to.deep.equal(entries.slice(0, 2));
    const second = await api.http.get('/v1/audit').query({ customerId, limit: 2, cursor: first.body.nextCursor }).expect(200);
    expect(second.body.items).to.deep.equal(entries.slice(2, 4));
    for (const cursor of ['x', Buffer.from('audit:0').toString('base64url'), Buffer.from('audit:1 ').toString('base64url'), `${first.body.nextCursor}=`]) {
      const bad = await api.http.get('/v1/audit').query({ cursor }).expect(400);
      expect(bad.body.error.details[0].field).to.equal('cursor');
    }
    for (const q of [{ from: 'yesterday' }, { to: '2026-02-31T00:00:00Z' }, { limit: 0 }, { customerId: 'a b' }, { verbose: '1' }]) {
      await api.http.get('/v1/audit').query(q).expect(400);
    }
    const later = await api.http.get('/v1/audit').query({ customerId, from: entries[entries.length - 1].at }).expect(200);
    expect(later.body.items.map((e: Entry) => e.id)).to.include(entries[entries.length - 1].id).and.not.include(entries[0].id);
    const none = await api.http.get('/v1/audit').query({ customerId, to: '2000-01-01T00:00:00Z' }).expect(200);
    expect(none.body).to.deep.equal({ items: [], nextCursor: null });

    const exported = await api.http.get('/v1/audit/export').query({ customerId }).buffer(true).parse((res, cb) => {
      let data = '';
      res.on('data', (c: Buffer) => (data += c));
      res.on('end', () => cb(null, data));
    });
    expect(exported.status).to.equal(200);
    expect(exported.headers['content-type']).to.match(/^application\/x-ndjson/);
    const lines = (exported.body as string).trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).to.deep.equal(entries);
  });

  it('is for admins only; a key limited to customers reads only theirs', async () => {
    const operator = await createKey('operator');
    const res = await api.anon.get('/v1/audit').set('Authorization', operator.auth).expect(403);
    expect(res.body.error.code).to.equal('forbidden');
    await api.anon.get('/v1/audit/export').set('Authorization', operator.auth).expect(403);

    const limited = await createKey('admin', { customerIds: [customerId] });
    const mine = await api.anon.get('/v1/audit').set('Authorization', limited.auth).query({ limit: 1000 }).expect(200);
    expect(mine.body.items.length).to.equal(entries.length);
    expect(mine.body.items.every((e: Entry) => e.subject === subject)).to.equal(true);
    await api.anon.get('/v1/audit').set('Authorization', limited.auth).query({ customerId: 'somebody-else' }).expect(403);
  });
});
