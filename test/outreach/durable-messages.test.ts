// Messages from the API to workflows take the durable path: recorded with the change, delivered
// after commit, retried by the sweep, harmless when redelivered; and a lost one never leaves an
// outreach waiting, because the workflow also re-reads the database.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { Client, Connection } from '@temporalio/client';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { alertStatusChanged, journeyWorkflowId } from '../../domain/messages';
import { surveyAnswered } from '../../domain/outreach-messages';
import { freePort } from '../../scripts/temporal-cli';
import { eventually, h, log, startApi, uniqueCustomer, waitProcessed } from '../harness';
import { ANGRY, linkIn, outreachOf, outreachStatus, putCustomer, startRig, waitForSms, waitOutreachDone, type Rig } from './rig';

/** An API whose Temporal client points at a dead address: it records, but cannot deliver. */
async function offlineApi(rig: Rig) {
  const connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}`, connectTimeout: '500ms' });
  const { app, journeys } = createApp({ config: rig.config, db: h().db, client: new Client({ connection }), log, codec: h().codec });
  const close = async () => {
    await journeys.drain(); // its failed signal deliveries, before their channel goes
    await connection.close().catch(() => undefined);
  };
  return { http: supertest.agent(app).set('Authorization', `Bearer ${h().adminKey}`), close };
}

const messagesOf = (workflowId: string) => h().db('workflow_messages').where({ workflow_id: workflowId }).orderBy('id');

async function escalationOf(rig: Rig, customerId: string) {
  return eventually(async () => {
    const items = (await rig.http.get('/v1/alerts').query({ customerId, type: 'outreach_escalation', status: 'active' })).body.items;
    return items.length ? items[0] : null;
  }, 20_000, 'escalation alert');
}

/** An outreach sent its survey: returns the SMS and the running outreach. */
async function surveyed(rig: Rig, prefix: string) {
  const customerId = uniqueCustomer(prefix);
  const phone = await putCustomer(rig, customerId);
  await rig.http.post('/v1/signals').send({ customerId, type: 'support_ticket', text: ANGRY[1], language: 'en' }).expect(202);
  const [sms] = await waitForSms(rig, phone, 1);
  const [o] = await eventually(async () => {
    const items = await outreachOf(rig, customerId);
    return items[0]?.workflowId ? items : null;
  }, 10_000, 'outreach row');
  return { customerId, phone, sms, outreach: o, path: linkIn(sms.body).path };
}

describe('durable messages to workflows: sweep and redelivery', () => {
  let rig: Rig;
  before(async () => {
    // Long timers: only a delivered message can end these outreaches within a test.
    rig = await startRig({ surveyDeadlineMs: 600_000, reminderAfterMs: 0, escalation: { renotifyMs: 600_000, chain: ['care-team', 'team-lead'] } });
  });
  after(async () => {
    await rig?.stop();
  });

  it('a survey answer recorded while Temporal is unreachable is delivered by a healthy API’s sweep: the outreach ends recovered, not escalated', async () => {
    const { customerId, outreach, path } = await surveyed(rig, 'dm-answer');
    const offline = await offlineApi(rig);
    try {
      await offline.http.post(path).type('form').send({ score: '10', comment: '' }).expect(200);
    } finally {
      await offline.close();
    }
    const [row] = await messagesOf(outreach.workflowId);
    expect(row).to.include({ status: 'pending', signal_name: 'surveyAnswered', delivered_count: 0 });
    expect(row.attempts).to.be.at.least(1);
    expect((await outreachStatus(outreach.workflowId)).answer, 'the workflow has not heard').to.equal(null);

    const { journeys } = startApi(rig.config);
    journeys.startSweep(200, 0);
    try {
      const done = await waitOutreachDone(rig, customerId, 20_000);
      expect(done.outcome).to.equal('recovered');
      expect(done.escalation).to.equal(null);
    } finally {
      await journeys.stopSweep();
    }
    const [after] = await messagesOf(outreach.workflowId);
    expect(after).to.include({ status: 'delivered', delivered_count: 1 });
  });

  it('a resolve recorded while Temporal is unreachable is delivered by the sweep: the escalation ends resolved', async () => {
    const { customerId, outreach, path } = await surveyed(rig, 'dm-resolve');
    await rig.http.post(path).type('form').send({ score: '0', comment: '' }).expect(200);
    const alert = await escalationOf(rig, customerId);
    const offline = await offlineApi(rig);
    try {
      await offline.http.post(`/v1/alerts/${alert.id}/resolve`).send({}).expect(200);
    } finally {
      await offline.close();
    }
    const row = await h().db('workflow_messages').where({ key: `alertStatusChanged/${alert.id}/resolved` }).first();
    expect(row).to.include({ status: 'pending', workflow_id: outreach.workflowId });
    expect((await outreachStatus(outreach.workflowId)).stage).to.equal('escalated');

    const { journeys } = startApi(rig.config);
    journeys.startSweep(200, 0);
    try {
      const done = await waitOutreachDone(rig, customerId, 20_000);
      expect(done.outcome).to.equal('resolved');
      expect(done.escalation.reason).to.equal('detractor');
    } finally {
      await journeys.stopSweep();
    }
  });

  it('a redelivered message changes nothing; one for a workflow that has ended is given up', async () => {
    const { customerId, outreach, path } = await surveyed(rig, 'dm-redeliver');
    await rig.http.post(path).type('form').send({ score: '2', comment: '' }).expect(200);
    const alert = await escalationOf(rig, customerId);
    await rig.ops.post(`/v1/alerts/${alert.id}/acknowledge`).send({}).expect(200);
    const before = await eventually(async () => {
      const s = await outreachStatus(outreach.workflowId);
      return s.stage === 'acknowledged' ? s : null;
    }, 10_000, 'acknowledged');
    expect((await messagesOf(outreach.workflowId)).map((m) => [m.signal_name, m.status, m.delivered_count])).to.deep.equal([
      ['surveyAnswered', 'delivered', 1],
      ['alertStatusChanged', 'delivered', 1],
    ]);

    // Every message again (as after a lost "delivered" mark), then a different answer besides.
    await h().db('workflow_messages').where({ workflow_id: outreach.workflowId }).update({ status: 'pending', next_attempt_at: new Date(Date.now() - 1000) });
    const { journeys } = startApi(rig.config);
    journeys.startSweep(100, 0);
    try {
      await eventually(async () => (await messagesOf(outreach.workflowId)).every((m) => m.delivered_count === 2), 10_000, 'redelivery');
    } finally {
      await journeys.stopSweep();
    }
    const handle = h().client.workflow.getHandle(outreach.workflowId);
    await handle.signal(surveyAnswered, { score: 10, comment: 'forged', via: 'api', answeredAt: new Date().toISOString() });
    await handle.signal(alertStatusChanged, { alertId: alert.id, status: 'acknowledged' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(await outreachStatus(outreach.workflowId)).to.deep.equal(before);

    await rig.ops.post(`/v1/alerts/${alert.id}/resolve`).send({}).expect(200);
    const done = await waitOutreachDone(rig, customerId);
    expect(done).to.include({ outcome: 'resolved' });
    expect(done.answer.score).to.equal(2);

    // The workflow has ended (its outcome is recorded just before it closes: wait for the close):
    // a redelivery is given up, not retried for ever.
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 20_000, 'the outreach workflow to close');
    const key = `alertStatusChanged/${alert.id}/resolved`;
    await h().db('workflow_messages').where({ key }).update({ status: 'pending', next_attempt_at: new Date(Date.now() - 1000) });
    journeys.startSweep(100, 0);
    try {
      const given = await eventually(async () => {
        const r = await h().db('workflow_messages').where({ key }).first();
        return r.status !== 'pending' ? r : null;
      }, 10_000, 'the redelivery to be given up');
      expect(given.status).to.equal('abandoned');
    } finally {
      await journeys.stopSweep();
    }
  });

  it('two APIs sweeping the same pending messages deliver each once', async () => {
    const customerId = uniqueCustomer('dm-two');
    await rig.http.post('/v1/signals').send({ customerId, type: 'feedback', text: 'Fine.' }).expect(202);
    await waitProcessed(customerId, 1);
    const workflowId = journeyWorkflowId(customerId);
    // Messages the journey ignores (an acknowledgement changes nothing there), recorded a while ago.
    const run = randomUUID();
    const n = 60;
    await h().db('workflow_messages').insert(
      Array.from({ length: n }, (_, i) => ({
        key: `test/${run}/${i}`,
        workflow_id: workflowId,
        signal_name: alertStatusChanged.name,
        args: JSON.stringify([{ alertId: randomUUID(), status: 'acknowledged' }]),
        created_at: new Date(Date.now() - 60_000),
        next_attempt_at: new Date(Date.now() - 60_000),
      })),
    );
    const a = startApi(rig.config).journeys;
    const b = startApi(rig.config).journeys;
    a.startSweep(20, 0);
    b.startSweep(20, 0);
    try {
      await eventually(async () => (await messagesOf(workflowId)).every((m) => m.status === 'delivered'), 20_000, 'all delivered');
    } finally {
      await Promise.all([a.stopSweep(), b.stopSweep()]);
    }
    const rows = await messagesOf(workflowId);
    expect(rows.map((r) => r.delivered_count)).to.deep.equal(Array(n).fill(1));
    // Counted over every run of the journey (it may have continued as new meanwhile; listing lags a little).
    const received = async () => {
      let count = 0;
      for await (const run of h().client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
        const history = await h().client.workflow.getHandle(workflowId, run.runId).fetchHistory();
        count += (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === alertStatusChanged.name).length;
      }
      return count;
    };
    const count = await eventually(async () => ((await received()) >= n ? received() : null), 10_000, `${n} signals in the journey's history`);
    expect(count, 'signals the journey received').to.equal(n);
  });
});

describe('durable messages to workflows: the database re-check', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig({ surveyDeadlineMs: 3000, reminderAfterMs: 0, escalation: { renotifyMs: 1000, chain: ['care-team'] } });
  });
  after(async () => {
    await rig?.stop();
  });

  it('an escalation whose "resolved" message was lost still ends, by re-reading the alert', async () => {
    const { customerId, outreach, path } = await surveyed(rig, 'dm-lost-resolve');
    await rig.http.post(path).type('form').send({ score: '0', comment: '' }).expect(200);
    const alert = await escalationOf(rig, customerId);
    const offline = await offlineApi(rig);
    try {
      await offline.http.post(`/v1/alerts/${alert.id}/resolve`).send({}).expect(200);
    } finally {
      await offline.close();
    }
    // Lost for good: no sweep will ever deliver it.
    await h().db('workflow_messages').where({ key: `alertStatusChanged/${alert.id}/resolved` }).del();
    const done = await waitOutreachDone(rig, customerId, 20_000);
    expect(done).to.include({ outcome: 'resolved' });
    expect(done.escalation.reason).to.equal('detractor');
    expect((await h().db('outreaches').where({ id: outreach.id }).first()).status).to.equal('completed');
  });

  it('a customer whose answer message was lost is not escalated for silence at the deadline', async () => {
    const { customerId, outreach, path } = await surveyed(rig, 'dm-lost-answer');
    const offline = await offlineApi(rig);
    try {
      await offline.http.post(path).type('form').send({ score: '9', comment: '' }).expect(200);
    } finally {
      await offline.close();
    }
    await h().db('workflow_messages').where({ workflow_id: outreach.workflowId }).del();
    const done = await waitOutreachDone(rig, customerId, 20_000);
    expect(done.outcome).to.equal('recovered');
    expect(done.escalation).to.equal(null);
  });
});
