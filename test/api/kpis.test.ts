// GET /v1/kpis: figures per UTC day and over the range equal a hand count of what the test put in
// the database (backdated rows, so nothing else in the run touches those days) and of what it sent
// through the API today; bad input is a 400 naming the field; only operator keys may read it.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { SEGMENT_CRITERIA_VERSION } from '../../domain/segments';
import { createKey, eventually, h, uniqueCustomer, useApi, waitProcessed } from '../harness';

const DAY_MS = 86_400_000;
const dayAt = (base: number, offsetDays: number) => new Date(base + offsetDays * DAY_MS).toISOString().slice(0, 10);
const at = (day: string, hhmm: string) => new Date(`${day}T${hhmm}:00Z`);
const addMin = (d: Date, min: number) => new Date(d.getTime() + min * 60_000);

describe('KPIs: GET /v1/kpis', () => {
  const api = useApi();

  it('counts backdated days exactly: negative feedback, alert times, CSAT/NPS, engagement, outcomes, open alerts and tiers, per day, in total and per segment', async () => {
    const db = h().db;
    const today = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00Z`);
    const [d0, d1, d2] = [dayAt(today, -200), dayAt(today, -199), dayAt(today, -198)];
    const [c1, c2, c3, c4] = [uniqueCustomer('kpi'), uniqueCustomer('kpi'), uniqueCustomer('kpi'), uniqueCustomer('kpi')];
    const judged = { segment_version: SEGMENT_CRITERIA_VERSION, segment_at: new Date() };
    await db('customers').insert([
      { id: c1, segment: 'watch', risk_tier: 'moderate', ...judged },
      { id: c2, segment: 'watch', risk_tier: 'high', ...judged },
      { id: c3, segment: 'critical', risk_tier: 'critical', ...judged },
      { id: c4 },
    ]);

    // Signals, already delivered (the sweep leaves them alone), with their analyses.
    const signal = async (customerId: string, when: Date, label: 'negative' | 'positive') => {
      const id = `kpi-${randomUUID()}`;
      await db('signals').insert({ id, customer_id: customerId, type: 'feedback', occurred_at: when, payload_hash: 'x', workflow_id: `customer-journey/${customerId}`, delivery_status: 'delivered' });
      await db('analyses').insert({
        signal_id: id,
        customer_id: customerId,
        sentiment: label === 'negative' ? -0.8 : 0.7,
        label,
        legal_threat: false,
        risk: JSON.stringify({ churn: 0, escalation: 0, legal: 0, reputation: 0, financial: 0 }),
        score: 0.2,
        tier: 'low',
        contributions: '[]',
        model_version: 'test',
        source: 'model',
      });
    };
    await signal(c1, at(d0, '08:00'), 'negative');
    await signal(c1, at(d0, '09:00'), 'negative');
    await signal(c2, at(d0, '10:00'), 'positive');
    await signal(c3, at(d0, '23:59'), 'negative');
    await signal(c2, at(d1, '00:00'), 'negative');

    const alert = async (customerId: string, type: string, severity: string, created: Date, ackMin: number | null, resolveMin: number | null) => {
      const id = randomUUID();
      await db('alerts').insert({
        id,
        type,
        severity,
        status: resolveMin !== null ? 'resolved' : ackMin !== null ? 'acknowledged' : 'active',
        customer_id: customerId,
        key: type,
        dedup_id: `kpi/${id}`,
        created_at: created,
        acknowledged_at: ackMin === null ? null : addMin(created, ackMin),
        resolved_at: resolveMin === null ? null : addMin(created, resolveMin),
        recommended_action: JSON.stringify({ de: 'x', en: 'x' }),
        evidence: JSON.stringify({ signalIds: [] }),
      });
    };
    await alert(c1, 'legal_threat', 'crisis', at(d0, '10:00'), 30, 120);
    await alert(c2, 'churn_signal', 'high', at(d0, '12:00'), null, 60); // resolved straight from active: 60 min to the first response
    await alert(c3, 'critical_escalation', 'critical', at(d1, '08:00'), null, null);
    await alert(c1, 'churn_signal', 'high', at(d1, '09:00'), 10, null);

    const outreach = async (customerId: string, seq: number, o: { started: Date; contacted: boolean; status: string; score?: number; answered?: Date; ended?: Date; outcome?: string }) => {
      const id = `${customerId}/${seq}`;
      await db('outreaches').insert({
        id,
        customer_id: customerId,
        seq,
        trigger_key: `kpi:${seq}`,
        trigger: '{}',
        status: o.status,
        started_at: o.started,
        survey_score: o.score ?? null,
        answered_at: o.answered ?? null,
        answered_via: o.answered ? 'web' : null,
        ended_at: o.ended ?? null,
        outcome: o.outcome ?? null,
      });
      if (o.contacted) {
        await db('outreach_messages').insert({ id: `${id}/survey`, outreach_id: id, customer_id: customerId, kind: 'survey', channel: 'sms', provider: 'outbox', to_address: '+49000', body: 'b', status: 'recorded' });
      }
    };
    await outreach(c1, 1, { started: at(d0, '09:00'), contacted: true, status: 'completed', score: 10, answered: at(d0, '15:00'), ended: at(d0, '15:00'), outcome: 'recovered' });
    await outreach(c2, 1, { started: at(d0, '11:00'), contacted: true, status: 'completed', score: 3, answered: at(d1, '10:00'), ended: at(d2, '10:00'), outcome: 'churned' });
    await outreach(c3, 1, { started: at(d1, '07:00'), contacted: true, status: 'completed', ended: at(d2, '11:00'), outcome: 'resolved' });
    await outreach(c4, 1, { started: at(d1, '08:00'), contacted: false, status: 'skipped', ended: at(d1, '08:00'), outcome: 'skipped' });
    await outreach(c4, 2, { started: at(d2, '08:00'), contacted: true, status: 'completed', score: 8, answered: at(d2, '09:00'), ended: at(d2, '09:00'), outcome: 'neutral' });

    // A key limited to these customers sees exactly them, whatever else the run has stored.
    const mine = await createKey('operator', { customerIds: [c1, c2, c3, c4] });
    const res = await api.anon.get('/v1/kpis').query({ from: d0, to: d2 }).set('Authorization', mine.auth).expect(200);
    const k = res.body;
    expect(k).to.have.keys('from', 'to', 'segment', 'totals', 'days', 'openAlerts', 'riskTiers');
    expect(k).to.include({ from: d0, to: d2, segment: null });
    expect(k.days.map((d: { day: string }) => d.day)).to.deep.equal([d0, d1, d2]);
    const [k0, k1, k2] = k.days;
    expect(k0).to.deep.equal({
      day: d0,
      negativeSignals: 3,
      alertsFired: 2,
      meanMinutesToAcknowledge: 45, // (30 + 60) / 2
      meanMinutesToResolve: 90, // (120 + 60) / 2
      surveysAnswered: 1,
      csat: 100,
      nps: 100,
      atRiskCustomers: 2,
      engagedAtRisk: 2,
      engagementRate: 1,
      recovered: 1,
      churned: 0,
    });
    expect(k1).to.deep.equal({
      day: d1,
      negativeSignals: 1,
      alertsFired: 2,
      meanMinutesToAcknowledge: 10,
      meanMinutesToResolve: null,
      surveysAnswered: 1,
      csat: 0,
      nps: -100,
      atRiskCustomers: 1, // c4's skipped outreach sent nothing
      engagedAtRisk: 0,
      engagementRate: 0,
      recovered: 0,
      churned: 0,
    });
    expect(k2).to.include({ negativeSignals: 0, alertsFired: 0, meanMinutesToAcknowledge: null, surveysAnswered: 1, csat: 100, nps: 0, atRiskCustomers: 1, engagedAtRisk: 1, recovered: 0, churned: 1 });
    const { meanMinutesToAcknowledge, csat, ...totals } = k.totals;
    expect(meanMinutesToAcknowledge).to.be.closeTo(100 / 3, 1e-9); // (30 + 60 + 10) / 3, not a mean of daily means
    expect(csat).to.be.closeTo(200 / 3, 1e-9);
    expect(totals).to.deep.equal({
      negativeSignals: 4,
      alertsFired: 4,
      meanMinutesToResolve: 90,
      surveysAnswered: 3,
      nps: 0,
      atRiskCustomers: 4,
      engagedAtRisk: 3,
      engagementRate: 0.75,
      recovered: 1,
      churned: 1,
      outreachesEnded: 4,
      recoveryRate: 0.25,
      churnRate: 0.25,
    });
    expect(k.openAlerts).to.deep.equal({ total: 2, byType: { critical_escalation: 1, churn_signal: 1 }, bySeverity: { critical: 1, high: 1 } });
    expect(k.riskTiers).to.deep.equal({ low: 0, moderate: 1, high: 1, critical: 1 });

    // One segment: c1 and c2 only.
    const watch = (await api.anon.get('/v1/kpis').query({ from: d0, to: d2, segment: 'watch' }).set('Authorization', mine.auth).expect(200)).body;
    expect(watch.segment).to.equal('watch');
    expect(watch.days.map((d: { negativeSignals: number }) => d.negativeSignals)).to.deep.equal([2, 1, 0]);
    expect(watch.totals).to.include({ alertsFired: 3, surveysAnswered: 2, atRiskCustomers: 2, engagedAtRisk: 2, recovered: 1, churned: 1 });
    expect(watch.openAlerts).to.deep.equal({ total: 1, byType: { churn_signal: 1 }, bySeverity: { high: 1 } });
    expect(watch.riskTiers).to.deep.equal({ low: 0, moderate: 1, high: 1, critical: 0 });

    // Unlimited, the same days against a hand count over everything stored, in plain SQL.
    const all = (await api.http.get('/v1/kpis').query({ from: d0, to: d2 }).expect(200)).body;
    for (const d of all.days as { day: string; negativeSignals: number; alertsFired: number; surveysAnswered: number; recovered: number }[]) {
      const { rows } = await db.raw(
        `SELECT (SELECT count(*) FROM signals s JOIN analyses a ON a.signal_id = s.id WHERE a.label = 'negative' AND (s.occurred_at AT TIME ZONE 'UTC')::date = ?::date) AS negative,
                (SELECT count(*) FROM alerts WHERE (created_at AT TIME ZONE 'UTC')::date = ?::date) AS fired,
                (SELECT count(*) FROM outreaches WHERE (answered_at AT TIME ZONE 'UTC')::date = ?::date) AS answered,
                (SELECT count(*) FROM outreaches WHERE outcome = 'recovered' AND status = 'completed' AND (ended_at AT TIME ZONE 'UTC')::date = ?::date) AS recovered`,
        [d.day, d.day, d.day, d.day],
      );
      expect(d, d.day).to.include({ negativeSignals: rows[0].negative, alertsFired: rows[0].fired, surveysAnswered: rows[0].answered, recovered: rows[0].recovered });
    }
  });

  it('counts what happens today through the API: a legal threat, its acknowledgement and resolution, against a hand count in SQL', async () => {
    const db = h().db;
    const customerId = uniqueCustomer('kpi-live');
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you about this fraud.' }).expect(202);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'Thank you, the new app is great and fast.' }).expect(202);
    await waitProcessed(customerId, 2);
    const legal = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items[0], 10_000, 'legal alert');
    await api.http.post(`/v1/alerts/${legal.id}/acknowledge`).send({ note: 'legal informed' }).expect(200);
    await api.http.post(`/v1/alerts/${legal.id}/resolve`).send({ note: 'settled' }).expect(200);

    const today = new Date().toISOString().slice(0, 10);
    const key = await createKey('operator', { customerIds: [customerId] });
    const k = (await api.anon.get('/v1/kpis').query({ from: today, to: today }).set('Authorization', key.auth).expect(200)).body;
    const { rows } = await db.raw(
      `SELECT (SELECT count(*) FROM signals s JOIN analyses a ON a.signal_id = s.id WHERE s.customer_id = :c AND a.label = 'negative') AS negative,
              (SELECT count(*) FROM alerts WHERE customer_id = :c) AS fired,
              (SELECT avg(extract(epoch FROM coalesce(acknowledged_at, resolved_at) - created_at)) / 60 FROM alerts WHERE customer_id = :c) AS ack,
              (SELECT avg(extract(epoch FROM resolved_at - created_at)) / 60 FROM alerts WHERE customer_id = :c) AS res,
              (SELECT count(*) FROM alerts WHERE customer_id = :c AND status <> 'resolved') AS open,
              (SELECT risk_tier FROM customers WHERE id = :c) AS tier`,
      { c: customerId },
    );
    const hand = rows[0];
    expect(hand.negative, 'the threat is negative feedback').to.be.greaterThan(0);
    expect(k.days).to.have.length(1);
    expect(k.days[0]).to.include({ day: today, negativeSignals: hand.negative, alertsFired: hand.fired });
    expect(k.days[0].meanMinutesToAcknowledge).to.be.closeTo(Number(hand.ack), 1e-9);
    expect(k.days[0].meanMinutesToResolve).to.be.closeTo(Number(hand.res), 1e-9);
    expect(k.totals).to.include({ negativeSignals: hand.negative, alertsFired: hand.fired });
    expect(k.openAlerts.total).to.equal(hand.open);
    expect(k.openAlerts.byType.legal_threat, 'resolved: no longer open').to.equal(undefined);
    expect(k.riskTiers[hand.tier]).to.equal(1);
  });

  it('defaults to the last 30 days and keeps /v1/outreach/kpis', async () => {
    const k = (await api.http.get('/v1/kpis').expect(200)).body;
    const today = new Date().toISOString().slice(0, 10);
    expect(k.to).to.equal(today);
    expect(k.days).to.have.length(30);
    expect(k.days[29].day).to.equal(today);
    expect(k.from).to.equal(k.days[0].day);
    // A date-time counts as the UTC day it falls on.
    const t = (await api.http.get('/v1/kpis').query({ from: '2026-03-01T23:30:00+02:00', to: '2026-03-02' }).expect(200)).body;
    expect(t.days.map((d: { day: string }) => d.day)).to.deep.equal(['2026-03-01', '2026-03-02']);
    const old = (await api.http.get('/v1/outreach/kpis').expect(200)).body;
    expect(old).to.include.keys('started', 'answered', 'engagementRate', 'recovered', 'churned');
  });

  it('refuses bad from, to and segment with a 400 naming the field', async () => {
    const cases: [Record<string, string>, string][] = [
      [{ from: '2026-13-01' }, 'from'],
      [{ from: 'yesterday' }, 'from'],
      [{ to: '2026-02-30' }, 'to'],
      [{ from: '2026-05-02', to: '2026-05-01' }, 'to'],
      [{ from: '2025-01-01', to: '2026-05-01' }, 'from'],
      [{ segment: 'vip' }, 'segment'],
      [{ customer: 'c-1' }, 'customer'],
    ];
    for (const [q, field] of cases) {
      const res = await api.http.get('/v1/kpis').query(q);
      expect(res.status, JSON.stringify(q)).to.equal(400);
      expect(res.body.error.code).to.equal('invalid_input');
      expect(res.body.error.details[0].field, JSON.stringify(q)).to.equal(field);
    }
    await api.http.get('/v1/kpis').query({ from: '2025-05-01', to: '2026-05-01' }).expect(200); // 366 days
  });

  it('needs an operator key: 401 without one, 403 for an ingest key', async () => {
    const none = await api.anon.get('/v1/kpis');
    expect(none.status).to.equal(401);
    const ingest = await createKey('ingest');
    const res = await api.anon.get('/v1/kpis').set('Authorization', ingest.auth);
    expect(res.status).to.equal(403);
    expect(res.body.error.code).to.equal('forbidden');
    const doc = (await api.anon.get('/openapi.json').expect(200)).body;
    expect(doc.paths['/v1/kpis'].get).to.include({ 'x-required-role': 'operator' });
  });
});
