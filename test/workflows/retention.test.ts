// Retention: what is older than the policy goes (or loses its personal parts), what is newer stays,
// per kind; each run says what it purged and leaves it in the audit chain; the `retention-purge`
// schedule is created at start, follows a changed configuration and starts the purge.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { ConfigError, loadConfig } from '../../config';
import { verifyAuditChain } from '../../db/audit';
import type { PurgeResult, RetentionPolicy } from '../../domain/retention';
import { ensureRetentionSchedule } from '../../worker/retention-schedule';
import { RETENTION_SCHEDULE_ID, retentionPurgeWorkflow } from '../../workflows/retention';
import { eventually, h, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';
import { DEFAULT_TASK_QUEUE } from '../setup';

const DAY = 86_400_000;
const ago = (days: number) => new Date(Date.now() - days * DAY);

// Cut-offs far from every age used below (and from other tests' "now" and "399 days ago").
const POLICY: RetentionPolicy = {
  days: { signalText: 100, signals: 300, outreachMessages: 30, outbox: 30, inboundMessages: 30, webhookReceipts: 30, resolvedAlerts: 30 },
  // Small batches: the purge must loop until nothing expired is left.
  batchSize: 2,
};

const purge = (policy = POLICY) =>
  h().client.workflow.execute(retentionPurgeWorkflow, { taskQueue: DEFAULT_TASK_QUEUE, workflowId: `retention-test-${randomUUID()}`, args: [policy] });

describe('retention purge', function () {
  this.timeout(120_000);
  const api = useApi();
  const db = () => h().db;

  /** Signals 350, 200 and 10 days old, with text, metadata and a location that makes window points. */
  async function seedSignals() {
    const customerId = uniqueCustomer('ret');
    const ids: Record<'old' | 'mid' | 'fresh', string> = { old: '', mid: '', fresh: '' };
    for (const [age, days] of [['old', 350], ['mid', 200], ['fresh', 10]] as const) {
      const res = await api.http
        .post('/v1/signals')
        .send({
          customerId,
          type: 'feedback',
          language: 'en',
          text: `My parcel ${customerId}-${age} never arrived, I will cancel my contract`,
          occurredAt: ago(days).toISOString(),
          location: { lat: 52.52, lon: 13.4 },
          rootCause: 'delivery',
          metadata: { order: `A-${age}` },
        })
        .expect(202);
      ids[age] = res.body.signalId;
    }
    await waitProcessed(customerId, 3);
    await eventually(
      async () => {
        const points = await db()('window_points').whereIn('signal_id', Object.values(ids)).count<{ count: number }[]>({ count: '*' });
        return Number(points[0].count) === 3;
      },
      20_000,
      'window points of the three signals',
    );
    return { customerId, ids };
  }

  /** A legal_threat alert for a new customer, resolved or not. */
  async function alertOf(resolve: boolean): Promise<string> {
    const customerId = uniqueCustomer('ret-alert');
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
    await waitProcessed(customerId, 1);
    const { body } = await api.http.get('/v1/alerts').query({ customerId }).expect(200);
    const id = body.items[0].id as string;
    if (resolve) await api.http.post(`/v1/alerts/${id}/resolve`).send({ note: 'called back' }).expect(200);
    return id;
  }

  /** Outreach, outbox, inbound SMS and webhook receipts, one 40 days old and one new of each. */
  async function seedMessages(customerId: string) {
    const k = (age: string) => `${customerId}-${age}`;
    for (const [age, at] of [['old', ago(40)], ['new', new Date()]] as const) {
      const seq = age === 'old' ? 1 : 2;
      const outreachId = `${customerId}/${seq}`;
      await db()('outreaches').insert({
        id: outreachId,
        customer_id: customerId,
        seq,
        trigger_key: k(age),
        trigger: JSON.stringify({ reason: 'tier' }),
        status: 'completed',
        started_at: at,
        survey_score: 3,
        survey_comment: `Still waiting for ${k(age)}`,
        answered_via: 'web',
        answered_at: at,
      });
      await db()('outreach_messages').insert({
        id: `${outreachId}/survey`,
        outreach_id: outreachId,
        customer_id: customerId,
        kind: 'survey',
        channel: 'sms',
        provider: 'outbox',
        to_address: '+4915112345678',
        body: `Hi Ada, how did we do? https://example.test/s/${k(age)}`,
        survey_link: `https://example.test/s/${k(age)}`,
        provider_id: `outbox-${k(age)}`,
        status: 'recorded',
        created_at: at,
      });
      await db()('outbox').insert({ kind: 'sms', ref: `ob-${k(age)}`, customer_id: customerId, recipient: '+4915112345678', body: 'Hi Ada', created_at: at });
      await db()('inbound_messages').insert({ id: `SM-${k(age)}`, from_address: '+4915112345678', customer_id: customerId, body: 'STOP', keyword: 'STOP', received_at: at });
      await db()('webhook_receipts').insert({ source: 'crm', key: `rcpt-${k(age)}`, payload_hash: 'x', result: JSON.stringify({ body: { customerId } }), received_at: at });
      // A survey answer handed to the workflow long ago (delivered), and one still waiting to be.
      for (const status of ['delivered', 'pending']) {
        await db()('workflow_messages').insert({
          key: `wm-${status}-${k(age)}`,
          workflow_id: `outreach/${customerId}/1`,
          signal_name: 'surveyAnswered',
          args: JSON.stringify([{ comment: `Still waiting for ${k(age)}` }]),
          status,
          created_at: at,
          done_at: status === 'pending' ? null : at,
        });
      }
    }
    // More old records than fit in one batch: the purge loops until none is left.
    for (let i = 0; i < 4; i++) await db()('outbox').insert({ kind: 'email', ref: `ob-${k('old')}-${i}`, customer_id: customerId, recipient: 'ada@example.test', body: 'Hi Ada', created_at: ago(40 + i) });
    // An escalation alert quoting an answer 40 days ago: still active, so it stays, without the quote.
    const escalation = randomUUID();
    await db()('alerts').insert({
      id: escalation,
      type: 'outreach_escalation',
      severity: 'high',
      customer_id: customerId,
      key: customerId,
      dedup_id: `ret-${escalation}`,
      created_at: ago(40),
      recommended_action: JSON.stringify({ de: '…', en: '…' }),
      evidence: JSON.stringify({ signalIds: [], reason: 'detractor', answer: { score: 2, comment: `Still waiting for ${k('old')}`, via: 'web', answeredAt: ago(40).toISOString() } }),
    });
    return { customerId, k, escalation };
  }

  let first: PurgeResult;
  let seeded: Awaited<ReturnType<typeof seedSignals>>;
  let messages: Awaited<ReturnType<typeof seedMessages>>;
  let alerts: { resolvedOld: string; resolvedNew: string; activeOld: string };

  before(async function () {
    this.timeout(120_000);
    seeded = await seedSignals();
    // A customer of their own: the journey above may have started an outreach of its own.
    messages = await seedMessages(uniqueCustomer('ret-msg'));
    alerts = { resolvedOld: await alertOf(true), resolvedNew: await alertOf(true), activeOld: await alertOf(false) };
    await db()('alerts').where({ id: alerts.resolvedOld }).update({ resolved_at: ago(40) });
    await db()('alerts').where({ id: alerts.activeOld }).update({ created_at: ago(400) });
    first = await purge();
  });

  it('deletes signals older than their retention with their analyses and window points', async () => {
    const { ids } = seeded;
    expect(await db()('signals').where({ id: ids.old }).first()).to.equal(undefined);
    expect(await db()('analyses').where({ signal_id: ids.old }).first()).to.equal(undefined);
    expect(await db()('window_points').where({ signal_id: ids.old }).first()).to.equal(undefined);
    await api.http.get(`/v1/signals/${encodeURIComponent(ids.old)}`).expect(404);
    expect(first.counts.signals).to.be.at.least(1);
    expect(first.counts.analyses).to.be.at.least(1);
  });

  it('clears text, metadata and location past the text retention, keeping the analysis without quotes', async () => {
    const { ids } = seeded;
    const { body } = await api.http.get(`/v1/signals/${encodeURIComponent(ids.mid)}`).expect(200);
    expect(body.signal.text ?? null).to.equal(null);
    expect(body.signal.metadata ?? null).to.equal(null);
    expect(body.signal.location ?? null).to.equal(null);
    expect(body.analysis).to.include({ rootCause: 'delivery' });
    expect(body.analysis.score).to.be.a('number');
    expect(body.analysis.contributions.length).to.be.greaterThan(0);
    for (const c of body.analysis.contributions) {
      expect(c.weight).to.be.a('number');
      expect(c.explanation, 'no quote left').to.not.include(':');
    }
    expect(JSON.stringify(body)).to.not.match(/never arrived|cancel my contract|A-mid/);
    expect(await db()('window_points').where({ signal_id: ids.mid }).first()).to.equal(undefined);
    expect(first.counts.signalText).to.be.at.least(1);
    expect(first.counts.windowPoints).to.be.at.least(2);
  });

  it('keeps newer signals as they were', async () => {
    const { body } = await api.http.get(`/v1/signals/${encodeURIComponent(seeded.ids.fresh)}`).expect(200);
    expect(body.signal.text).to.include('never arrived');
    expect(body.signal.metadata).to.deep.equal({ order: 'A-fresh' });
    expect(body.signal.location).to.deep.equal({ lat: 52.52, lon: 13.4 });
    expect(await db()('window_points').where({ signal_id: seeded.ids.fresh }).first()).to.not.equal(undefined);
  });

  it('anonymises old outreach messages and survey comments, keeping the rows; newer ones stay', async () => {
    const { customerId } = messages;
    const rows = await db()('outreach_messages').where({ customer_id: customerId }).orderBy('created_at');
    expect(rows.map((r) => [r.to_address, r.body, r.survey_link])).to.deep.equal([
      ['', '', null],
      ['+4915112345678', `Hi Ada, how did we do? https://example.test/s/${messages.k('new')}`, `https://example.test/s/${messages.k('new')}`],
    ]);
    expect(rows[0].status, 'still counts towards the contact budget').to.equal('recorded');
    const outreaches = await db()('outreaches').where({ customer_id: customerId }).orderBy('seq');
    expect(outreaches.map((o) => [o.survey_score, o.survey_comment])).to.deep.equal([
      [3, null],
      [3, `Still waiting for ${messages.k('new')}`],
    ]);
    const escalation = await db()('alerts').where({ id: messages.escalation }).first();
    expect(escalation.evidence.answer).to.include({ score: 2, comment: null });
    expect(first.counts.outreachMessages).to.be.at.least(1);
    expect(first.counts.surveyComments).to.be.at.least(2);
  });

  it('deletes old outbox records, inbound SMS, webhook receipts and delivered workflow messages; newer and pending ones stay', async () => {
    const { customerId, k } = messages;
    expect((await db()('outbox').where({ customer_id: customerId })).map((r) => r.ref)).to.deep.equal([`ob-${k('new')}`]);
    expect((await db()('inbound_messages').where({ customer_id: customerId })).map((r) => r.id)).to.deep.equal([`SM-${k('new')}`]);
    expect((await db()('webhook_receipts').whereIn('key', [`rcpt-${k('old')}`, `rcpt-${k('new')}`])).map((r) => r.key)).to.deep.equal([`rcpt-${k('new')}`]);
    expect(first.counts.outbox, 'five old outbox records, in batches of two').to.be.at.least(5);
    for (const kind of ['inboundMessages', 'webhookReceipts', 'workflowMessages'] as const) expect(first.counts[kind], kind).to.be.at.least(1);
    const handed = await db()('workflow_messages').where('key', 'like', `wm-%-${customerId}-%`).orderBy('key');
    expect(handed.map((m) => m.key), 'delivered old one gone; pending ones kept whatever their age').to.deep.equal([`wm-delivered-${k('new')}`, `wm-pending-${k('new')}`, `wm-pending-${k('old')}`]);
  });

  it('deletes resolved alerts past their retention with their timeline; active and newer ones stay', async () => {
    expect(await db()('alerts').where({ id: alerts.resolvedOld }).first()).to.equal(undefined);
    expect(await db()('alert_events').where({ alert_id: alerts.resolvedOld }).first()).to.equal(undefined);
    await api.http.get(`/v1/alerts/${alerts.resolvedOld}`).expect(404);
    await api.http.get(`/v1/alerts/${alerts.resolvedNew}`).expect(200);
    const active = await api.http.get(`/v1/alerts/${alerts.activeOld}`).expect(200);
    expect(active.body.status).to.equal('active');
    expect(first.counts.resolvedAlerts).to.be.at.least(1);
    expect(first.counts.alertEvents).to.be.at.least(2); // created, resolved
  });

  it('records the counts and the policy in one audit entry; the chain still verifies', async () => {
    const row = await db()('audit_log').where({ id: first.auditId }).first();
    expect(row).to.include({ actor: 'system', action: 'retention.purged', subject: null });
    expect(row.data.counts).to.deep.equal(first.counts);
    expect(row.data.total).to.equal(first.total);
    expect(first.total).to.equal(Object.values(first.counts).reduce((s, v) => s + v, 0));
    expect(row.data.policy).to.deep.equal(POLICY);
    const verified = await verifyAuditChain(db());
    expect(verified.ok, JSON.stringify(verified.problem)).to.equal(true);
  });

  it('purges nothing on a second run, and still records that it ran', async () => {
    const second = await purge();
    expect(second.total, JSON.stringify(second.counts)).to.equal(0);
    expect(second.auditId).to.be.greaterThan(first.auditId);
    const row = await db()('audit_log').where({ id: second.auditId }).first();
    expect(row.data).to.deep.include({ total: 0 });
    // Kept forever (0 days): nothing of that kind goes, however old.
    const forever = await purge({ ...POLICY, days: { ...POLICY.days, resolvedAlerts: 0 } });
    expect(forever.counts.resolvedAlerts).to.equal(0);
    expect((await verifyAuditChain(db())).ok).to.equal(true);
  });
});

describe('retention-purge schedule', function () {
  this.timeout(60_000);
  const handle = () => h().client.schedule.getHandle(RETENTION_SCHEDULE_ID);
  const configWith = (intervalMinutes: number, policy: RetentionPolicy) => testConfig({ retention: { policy, intervalMinutes } });

  before(async () => handle().delete().catch(() => undefined));
  after(async () => handle().delete().catch(() => undefined));

  it('is created at start with the configured interval and policy, updated when they change, and starts the purge', async () => {
    // Intervals are counted from the epoch: a day fires at midnight UTC only.
    const config = configWith(24 * 60, POLICY);
    expect(await ensureRetentionSchedule(h().client, config)).to.equal('created');
    expect(await ensureRetentionSchedule(h().client, config), 'a second start').to.equal('unchanged');
    let d = await handle().describe();
    expect(d.spec.intervals?.map((i) => i.every)).to.deep.equal([24 * 3_600_000]);
    expect(d.policies.overlap).to.equal('SKIP');
    expect(d.action).to.include({ workflowType: 'retentionPurgeWorkflow', taskQueue: DEFAULT_TASK_QUEUE, workflowId: RETENTION_SCHEDULE_ID });
    expect(d.action.args).to.deep.equal([POLICY]);
    const stored = d.raw.schedule?.action?.startWorkflow?.input?.payloads?.[0];
    expect(Buffer.from(stored?.metadata?.encoding ?? []).toString(), 'the policy goes through the codec').to.equal('binary/encrypted');

    const changed = { ...POLICY, days: { ...POLICY.days, outbox: 7 } };
    expect(await ensureRetentionSchedule(h().client, configWith(12 * 60, changed))).to.equal('updated');
    d = await handle().describe();
    expect(d.spec.intervals?.map((i) => i.every)).to.deep.equal([12 * 3_600_000]);
    expect(d.action.args).to.deep.equal([changed]);

    await handle().trigger();
    const workflowId = await eventually(
      async () => {
        const info = (await handle().describe()).info;
        return info.recentActions[0]?.action.workflow.workflowId ?? info.runningActions[0]?.workflow.workflowId;
      },
      15_000,
      'the triggered run',
    );
    expect(workflowId.startsWith(`${RETENTION_SCHEDULE_ID}-`)).to.equal(true);
    const result: PurgeResult = await h().client.workflow.getHandle(workflowId).result();
    const row = await h().db('audit_log').where({ id: result.auditId }).first();
    expect(row).to.include({ action: 'retention.purged', actor: 'system' });
    expect(row.data.policy).to.deep.equal(changed);
  });
});

describe('retention configuration', () => {
  it('defaults per kind, 0 keeps forever, and refuses receipts kept shorter than redeliveries', () => {
    const d = loadConfig({}).retention;
    expect(d).to.deep.equal({
      policy: { days: { signalText: 365, signals: 730, outreachMessages: 180, outbox: 90, inboundMessages: 90, webhookReceipts: 30, resolvedAlerts: 730 }, batchSize: 5000 },
      intervalMinutes: 60,
    });
    const set = loadConfig({ RETENTION_SIGNAL_TEXT_DAYS: '0', RETENTION_OUTBOX_DAYS: '14', RETENTION_INTERVAL_MINUTES: '15' }).retention;
    expect(set.policy.days).to.include({ signalText: 0, outbox: 14 });
    expect(set.intervalMinutes).to.equal(15);
    expect(() => loadConfig({ RETENTION_WEBHOOK_RECEIPTS_DAYS: '1' })).to.throw(ConfigError, /RETENTION_WEBHOOK_RECEIPTS_DAYS.*idempotent/);
    expect(() => loadConfig({ RETENTION_SIGNALS_DAYS: '-1' })).to.throw(ConfigError, /RETENTION_SIGNALS_DAYS/);
    expect(() => loadConfig({ RETENTION_INTERVAL_MINUTES: '0' })).to.throw(ConfigError, /RETENTION_INTERVAL_MINUTES/);
  });
});
