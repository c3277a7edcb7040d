// Privacy a compliance officer would sign: payloads in Temporal are ciphertext under the customer's
// own data key, readable through the codec endpoint by operators; e-mail addresses never become
// workflow ids; erasure leaves nothing of the customer in any table, makes their histories
// undecodable for good, is recorded in the audit chain and can be repeated harmlessly.
import { expect } from 'chai';
import { verifyAuditChain } from '../../db/audit';
import { journeyWorkflowId } from '../../domain/messages';
import { createKey, eventually, h, uniqueCustomer, useApi, waitProcessed } from '../harness';

/** Every payload of a workflow's history, in the codec endpoint's JSON form. */
async function historyPayloads(workflowId: string) {
  const history = await h().client.workflow.getHandle(workflowId).fetchHistory();
  const payloads: { metadata: Record<string, string>; data: string }[] = [];
  const walk = (v: unknown): void => {
    if (!v || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    if (o.metadata && o.data instanceof Uint8Array) {
      payloads.push({
        metadata: Object.fromEntries(Object.entries(o.metadata as Record<string, Uint8Array>).map(([k, b]) => [k, Buffer.from(b).toString('base64')])),
        data: Buffer.from(o.data).toString('base64'),
      });
      return;
    }
    // Search attributes are indexed by Temporal in clear by design, and the SDK's own patch markers
    // (a version name) and a local activity marker's `data` (its sequence number, activity type and
    // times) are not passed through codecs; none carries personal data. A local activity's result is.
    const marker = o.markerRecordedEventAttributes as { markerName?: string; details?: Record<string, unknown> } | undefined;
    if (marker) {
      if (marker.markerName === 'core_local_activity') walk(marker.details?.result);
      return;
    }
    for (const [k, x] of Object.entries(o)) if (k !== 'searchAttributes') walk(x);
  };
  walk(history.events);
  return { history, payloads };
}

/** Tables and rows that mention `needle` anywhere (text search over every row of every table). */
async function mentions(needle: string): Promise<string[]> {
  const tables = (await h().db.raw(`select tablename from pg_tables where schemaname = 'public'`)).rows.map((r: { tablename: string }) => r.tablename);
  const hits: string[] = [];
  for (const t of tables) {
    const r = await h().db.raw(`select count(*)::int as n from "${t}" x where x::text ilike ?`, [`%${needle}%`]);
    if (r.rows[0].n > 0) hits.push(`${t} (${r.rows[0].n})`);
  }
  return hits;
}

describe('privacy: encrypted payloads, pseudonymous workflow ids, erasure', function () {
  this.timeout(120_000);
  const api = useApi();

  it('keeps Temporal payloads encrypted under the customer’s key; operators decode them through /codec/decode', async () => {
    const customerId = uniqueCustomer('codec');
    const phrase = `my parcel ${customerId} never arrived and nobody answers`;
    await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', language: 'en', text: phrase }).expect(202);
    await waitProcessed(customerId, 1);
    const { history, payloads } = await historyPayloads(journeyWorkflowId(customerId));
    expect(JSON.stringify(history), 'no clear text in the history').to.not.include('never arrived');
    expect(payloads.length).to.be.greaterThan(2);
    const encodings = new Set(payloads.map((p) => Buffer.from(p.metadata.encoding, 'base64').toString()));
    expect([...encodings]).to.deep.equal(['binary/encrypted']);

    const operator = await createKey('operator');
    const decoded = await api.anon.post('/codec/decode').set('Authorization', operator.auth).send({ payloads }).expect(200);
    const clear = decoded.body.payloads.map((p: { data: string }) => Buffer.from(p.data, 'base64').toString()).join('\n');
    expect(clear).to.include(phrase);
    const ingest = await createKey('ingest');
    await api.anon.post('/codec/decode').set('Authorization', ingest.auth).send({ payloads }).expect(403);
    await api.anon.post('/codec/decode').send({ payloads }).expect(401);
    const bad = await api.anon.post('/codec/decode').set('Authorization', operator.auth).send({ payloads: [{ metadata: { encoding: 'YmluYXJ5L2VuY3J5cHRlZA==' }, data: '!!' }] });
    expect(bad.status).to.equal(400);
    // The Web UI's preflight is answered for its origin without a key.
    const pre = await api.anon.options('/codec/decode').set('Origin', 'http://127.0.0.1:8233').set('Access-Control-Request-Method', 'POST');
    expect(pre.status).to.equal(204);
    expect(pre.headers['access-control-allow-origin']).to.equal('http://127.0.0.1:8233');
    expect(pre.headers['access-control-allow-headers']).to.include('authorization');
  });

  it('replaces a customer id that is an e-mail address by a pseudonym in workflow ids and search attributes', async () => {
    const email = `${uniqueCustomer('ada')}@example.com`;
    const accepted = await api.http.post('/v1/signals').send({ customerId: email, type: 'feedback', language: 'en', text: 'Cancel my contract.' }).expect(202);
    expect(accepted.body.workflowId).to.match(/^customer-journey\/~p_[a-z2-7]{26}$/);
    const handle = h().client.workflow.getHandle(accepted.body.workflowId);
    await eventually(async () => (await handle.query<{ signalsProcessed: number }>('riskProfile'))?.signalsProcessed === 1, 15_000, 'processed');
    const described = await handle.describe();
    expect(JSON.stringify(described.raw.workflowExecutionInfo?.searchAttributes ?? {})).to.not.include('example.com');
    expect(described.searchAttributes.CustomerId).to.deep.equal([accepted.body.workflowId.slice('customer-journey/'.length)]);
    expect((await api.http.get(`/v1/customers/${encodeURIComponent(email)}`).expect(200)).body.workflowId).to.equal(accepted.body.workflowId);
  });

  it('erases a customer: nothing left in any table, histories undecodable, one audit entry, and a second DELETE is harmless', async () => {
    const customerId = uniqueCustomer('erase');
    const phone = `+49151${String(Date.now()).slice(-8)}`;
    const email = `${customerId}@mail.example`;
    const name = `Zelda${customerId.slice(-6).replace(/[^a-z]/g, 'q')}`;
    const phrase = `the technician ${customerId} broke my window`;
    await api.http.put(`/v1/customers/${customerId}`).send({ name, phone, email, consents: { sms: true, email: true, training: true } }).expect(201);
    await api.http.post('/v1/signals').send({ customerId, type: 'support_ticket', language: 'en', text: `${phrase}. I will sue you, my lawyer is informed.`, metadata: { ticket: phrase } }).expect(202);
    await api.http.post('/v1/signals').send({ customerId, type: 'survey_response', language: 'en', text: phrase, metadata: { nps: 1 } }).expect(202);
    await waitProcessed(customerId, 2);
    const alerts = (await api.http.get('/v1/alerts').query({ customerId })).body.items;
    expect(alerts.length).to.be.greaterThan(0);
    const ops = await createKey('operator', { name: 'anna@care' });
    await api.anon.post(`/v1/alerts/${alerts[0].id}/acknowledge`).set('Authorization', ops.auth).send({ note: `called ${name}` }).expect(200);
    const { payloads } = await historyPayloads(journeyWorkflowId(customerId));
    const before = await mentions(phrase);
    expect(before, 'the data is there before').to.not.be.empty;

    await api.anon.delete(`/v1/customers/${customerId}`).set('Authorization', ops.auth).expect(403);
    const erased = await api.http.delete(`/v1/customers/${customerId}`).expect(200);
    expect(erased.body).to.include({ status: 'erased', alreadyErased: false });
    expect(erased.body.pseudonym).to.match(/^p_[a-z2-7]{26}$/);
    expect(erased.body.summary.dataKeysDestroyed).to.be.greaterThan(0);

    for (const needle of [phrase, phone, email, name, customerId]) expect(await mentions(needle), `"${needle}" left behind`).to.deep.equal([]);
    const describe = await h().client.workflow.getHandle(journeyWorkflowId(customerId)).describe();
    expect(describe.status.name).to.equal('TERMINATED');
    const undecodable = await api.anon.post('/codec/decode').set('Authorization', ops.auth).send({ payloads });
    expect(undecodable.status).to.equal(410);
    expect(JSON.stringify(undecodable.body)).to.not.include('technician');
    await api.http.get(`/v1/customers/${customerId}`).expect(404);

    const chain = await verifyAuditChain(h().db);
    expect(chain.ok, JSON.stringify(chain.problem)).to.equal(true);
    const entries = await h().db('audit_log').where({ action: 'customer.erased', subject: erased.body.pseudonym });
    expect(entries).to.have.length(1);
    expect(JSON.stringify(entries[0])).to.not.include(customerId);

    const again = await api.http.delete(`/v1/customers/${customerId}`).expect(200);
    expect(again.body).to.include({ alreadyErased: true, pseudonym: erased.body.pseudonym, erasedAt: erased.body.erasedAt });
    expect(await h().db('audit_log').where({ action: 'customer.erased', subject: erased.body.pseudonym })).to.have.length(1);
    await api.http.delete(`/v1/customers/${uniqueCustomer('never')}`).expect(404);

    // A later signal for the erased id starts a new, empty customer.
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: 'hello again' }).expect(202);
    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => (await handle.describe()).status.name === 'RUNNING' && (await handle.query<{ signalsProcessed: number }>('riskProfile')).signalsProcessed === 1, 15_000, 'a new journey with only the new signal');
    const customer = (await api.http.get(`/v1/customers/${customerId}`).expect(200)).body;
    expect(customer.profile).to.equal(null);
    expect(customer.signalCount).to.equal(1);
  });
});
