import { expect } from 'chai';
import { journeyWorkflowId, riskProfileQuery } from '../../domain/messages';
import { createKey, eventually, h, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

describe('alerts API', () => {
  const api = useApi();

  /** One customer with a legal_threat (crisis) and a churn_signal (high) alert. */
  async function customerWithAlerts() {
    const customerId = uniqueCustomer();
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis: { churn: 0.9, sentiment: -0.9, escalation: 0, reputation: 0, financial: 0 } }).expect(202);
    await waitProcessed(customerId, 2);
    const { body } = await api.http.get('/v1/alerts').query({ customerId });
    return { customerId, alerts: body.items as Array<{ id: string; type: string; severity: string }> };
  }

  it('lists with filters, newest first', async () => {
    const { customerId, alerts } = await customerWithAlerts();
    expect(alerts.map((a) => a.type)).to.deep.equal(['churn_signal', 'legal_threat']);
    const crisis = await api.http.get('/v1/alerts').query({ customerId, severity: 'crisis' });
    expect(crisis.body.items.map((a: { type: string }) => a.type)).to.deep.equal(['legal_threat']);
    const byType = await api.http.get('/v1/alerts').query({ customerId, type: 'churn_signal' });
    expect(byType.body.items).to.have.length(1);
  });

  it('pages with a cursor without losing or repeating an alert', async () => {
    const { customerId, alerts } = await customerWithAlerts();
    const page1 = await api.http.get('/v1/alerts').query({ customerId, limit: 1 });
    expect(page1.body.items).to.have.length(1);
    expect(page1.body.nextCursor).to.be.a('string');
    const page2 = await api.http.get('/v1/alerts').query({ customerId, limit: 1, cursor: page1.body.nextCursor });
    expect(page2.body.nextCursor).to.equal(null);
    expect([...page1.body.items, ...page2.body.items].map((a: { id: string }) => a.id)).to.deep.equal(alerts.map((a) => a.id));
  });

  it('refuses a bad filter or cursor with 400 naming it', async () => {
    const bad = await api.http.get('/v1/alerts').query({ severity: 'apocalyptic' });
    expect(bad.status).to.equal(400);
    expect(bad.body.error.details[0].field).to.equal('severity');
    const cursor = await api.http.get('/v1/alerts').query({ cursor: 'garbage' });
    expect(cursor.status).to.equal(400);
    expect(cursor.body.error.details[0].field).to.equal('cursor');
  });

  it('counts by type and by severity', async () => {
    const { customerId } = await customerWithAlerts();
    const { body } = await api.http.get('/v1/alerts/counts').query({ customerId });
    expect(body).to.deep.equal({ total: 2, byType: { churn_signal: 1, legal_threat: 1 }, bySeverity: { high: 1, crisis: 1 } });
  });

  it('shows detail with both recommended actions, evidence and timeline', async () => {
    const { alerts } = await customerWithAlerts();
    const legal = alerts.find((a) => a.type === 'legal_threat')!;
    const { body } = await api.http.get(`/v1/alerts/${legal.id}`).expect(200);
    expect(body.recommendedAction.en).to.match(/legal department/);
    expect(body.recommendedAction.de).to.match(/Rechtsabteilung/);
    expect(body.evidence.signalIds).to.have.length(1);
    expect(body.timeline.map((e: { action: string }) => e.action)).to.deep.equal(['created']);
  });

  it("walks the lifecycle active → acknowledged → resolved, with the key's name as actor and time, and refuses the rest with 409", async () => {
    const { customerId, alerts } = await customerWithAlerts();
    const [churn, legal] = alerts;
    const ops = await createKey('operator', { name: 'ops@example.com' });
    const lead = await createKey('operator', { name: 'lead@example.com' });
    // An actor in the body is not believed: who acted is the key.
    const ack = await api.anon.post(`/v1/alerts/${churn.id}/acknowledge`).set('Authorization', ops.auth).send({ actor: 'mallory', note: 'calling now' });
    expect(ack.status).to.equal(200);
    expect(ack.body).to.include({ status: 'acknowledged', acknowledgedBy: 'ops@example.com' });
    expect(Date.parse(ack.body.acknowledgedAt)).to.be.closeTo(Date.now(), 60_000);

    const again = await api.anon.post(`/v1/alerts/${churn.id}/acknowledge`).set('Authorization', ops.auth).send({});
    expect(again.status).to.equal(409);
    expect(again.body.error.code).to.equal('invalid_transition');

    const resolved = await api.anon.post(`/v1/alerts/${churn.id}/resolve`).set('Authorization', lead.auth).send({ note: 'refund issued' });
    expect(resolved.body).to.include({ status: 'resolved', resolvedBy: 'lead@example.com' });
    expect((await api.http.post(`/v1/alerts/${churn.id}/resolve`).send({ actor: 'x' })).status).to.equal(409);
    expect((await api.http.post(`/v1/alerts/${churn.id}/acknowledge`).send({ actor: 'x' })).status).to.equal(409);

    // Resolving straight from active is allowed.
    expect((await api.http.post(`/v1/alerts/${legal.id}/resolve`).send({ actor: 'legal@example.com' })).body.status).to.equal('resolved');

    const detail = await api.http.get(`/v1/alerts/${churn.id}`);
    expect(detail.body.timeline.map((e: { action: string; actor: string; note: string | null }) => [e.action, e.actor, e.note])).to.deep.equal([
      ['created', 'system', null],
      ['acknowledged', 'ops@example.com', 'calling now'],
      ['resolved', 'lead@example.com', 'refund issued'],
    ]);

    // The journey hears of it: no open alerts left in its live profile.
    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => (await handle.query(riskProfileQuery)).openAlerts.length === 0, 10_000, 'journey to drop resolved alerts');
  });

  it('refuses a bad note with 400 naming it, and answers 404 for an unknown alert', async () => {
    const { alerts } = await customerWithAlerts();
    const badNote = await api.http.post(`/v1/alerts/${alerts[0].id}/acknowledge`).send({ note: 42 });
    expect(badNote.status).to.equal(400);
    expect(badNote.body.error.details[0].field).to.equal('note');
    expect((await api.http.get(`/v1/alerts/${alerts[0].id}`)).body.status).to.equal('active');
    expect((await api.http.get('/v1/alerts/00000000-0000-4000-8000-000000000000')).status).to.equal(404);
    expect((await api.http.post('/v1/alerts/not-a-uuid/resolve').send({ actor: 'x' })).status).to.equal(404);
  });
});

describe('alert deduplication in the journey', () => {
  // Fixed event times, which age past the default OCCURRED_AT_HORIZON_DAYS.
  const api = useApi(() => testConfig({ occurredAt: { horizonDays: 100 * 365, maxFutureMinutes: 5 } }));

  it('suppresses the same alert type within the cooldown, counts it, and fires again after it', async () => {
    const customerId = uniqueCustomer();
    const t0 = Date.parse('2026-01-10T09:00:00Z');
    const at = (minutes: number) => new Date(t0 + minutes * 60_000).toISOString();
    const legal = { type: 'feedback', analysis: { legalThreat: true } };
    await api.http.post('/v1/signals/batch').send({
      signals: [
        { ...legal, customerId, occurredAt: at(0) },
        { ...legal, customerId, occurredAt: at(30) },
        { ...legal, customerId, occurredAt: at(25 * 60) }, // after the 24 h cooldown
      ],
    }).expect(202);
    const profile = await waitProcessed(customerId, 3);
    expect(profile.suppressedAlerts).to.deep.equal({ legal_threat: 1 });
    const { body } = await api.http.get('/v1/alerts').query({ customerId });
    expect(body.items).to.have.length(2);
    const first = body.items.find((a: { suppressedCount: number }) => a.suppressedCount === 1);
    expect(first, 'the first alert carries the suppressed repeat').to.exist;
  });
});
