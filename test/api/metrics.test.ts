// /metrics: the API's and the worker's listener expose what the platform did. Posting a legal
// threat moves the signal, analysis and alert counters; acknowledging it moves the lifecycle
// counter; the open-alerts gauge is the database's count at scrape time.
import { expect } from 'chai';
import { createDb } from '../../db';
import { countStatements } from '../../api/metrics';
import { startWorkerMetrics, type WorkerMetricsServer } from '../../worker/metrics';
import { eventually, h, testConfig, uniqueCustomer, useApi, waitProcessed } from '../harness';

/** The value of one sample (0 when absent) in Prometheus text format, matched by name and labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v) && Object.keys(have).length === Object.keys(labels).length) {
      total += Number(m[3]);
      found = true;
    }
  }
  return found ? total : 0;
}

describe('metrics: /metrics of the API and of the worker', () => {
  const api = useApi();
  let worker: WorkerMetricsServer;
  before(async () => {
    worker = await startWorkerMetrics({ host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await worker?.close();
  });

  const scrapeApi = async () => (await api.anon.get('/metrics').expect(200)).text;
  const scrapeWorker = async () => {
    const res = await fetch(`http://127.0.0.1:${worker.port}/metrics`);
    expect(res.status).to.equal(200);
    return res.text();
  };

  it('counters move when a legal threat fires an alert and an operator acknowledges it; the open-alerts gauge is the database count', async () => {
    const legal = { type: 'legal_threat', severity: 'crisis' };
    const [apiBefore, workerBefore] = [await scrapeApi(), await scrapeWorker()];
    const customerId = uniqueCustomer('metrics');
    const signal = { id: `metrics-${customerId}`, customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you' };
    await api.http.post('/v1/signals').send(signal).expect(202);
    await api.http.post('/v1/signals').send(signal).expect(202); // the same again: a duplicate
    await waitProcessed(customerId, 1);
    const alert = await eventually(async () => (await api.http.get('/v1/alerts').query({ customerId, type: 'legal_threat' })).body.items[0], 10_000, 'legal alert');

    const [apiAfter, workerAfter] = [await scrapeApi(), await scrapeWorker()];
    for (const [what, before, after] of [['api', apiBefore, apiAfter], ['worker', workerBefore, workerAfter]] as const) {
      // One process here: the worker's activities count in the same registry both listeners expose.
      expect(sample(after, 'alerts_fired_total', legal) - sample(before, 'alerts_fired_total', legal), `${what}: alerts fired`).to.be.at.least(1);
      expect(sample(after, 'signals_total', { type: 'feedback', outcome: 'analysed' }) - sample(before, 'signals_total', { type: 'feedback', outcome: 'analysed' }), `${what}: analysed`).to.be.at.least(1);
      expect(sample(after, 'signal_analysis_latency_seconds_count') - sample(before, 'signal_analysis_latency_seconds_count'), `${what}: latency observed`).to.be.at.least(1);
    }
    expect(sample(apiAfter, 'signals_total', { type: 'feedback', outcome: 'accepted' }) - sample(apiBefore, 'signals_total', { type: 'feedback', outcome: 'accepted' })).to.be.at.least(1);
    expect(sample(apiAfter, 'signals_total', { type: 'feedback', outcome: 'duplicate' }) - sample(apiBefore, 'signals_total', { type: 'feedback', outcome: 'duplicate' })).to.equal(1);
    expect(workerAfter, 'the worker listener has process metrics too').to.include('process_cpu_user_seconds_total');

    // The gauge is read from the database at scrape time.
    const open = async () => Number((await h().db('alerts').where(legal).whereIn('status', ['active', 'acknowledged']).count({ n: '*' }).first())!.n);
    expect(sample(await scrapeApi(), 'alerts_open', legal)).to.equal(await open());

    const transitions = { to: 'acknowledged', ...legal };
    await api.http.post(`/v1/alerts/${alert.id}/acknowledge`).send({ note: 'legal informed' }).expect(200);
    const acked = await scrapeApi();
    expect(sample(acked, 'alert_transitions_total', transitions) - sample(apiAfter, 'alert_transitions_total', transitions)).to.equal(1);
    await api.http.post(`/v1/alerts/${alert.id}/resolve`).send({ note: 'settled' }).expect(200);
    const resolved = await scrapeApi();
    expect(sample(resolved, 'alert_transitions_total', { to: 'resolved', ...legal }) - sample(acked, 'alert_transitions_total', { to: 'resolved', ...legal })).to.equal(1);
    expect(sample(resolved, 'alerts_open', legal)).to.equal(await open());
    for (const name of ['delivery_backlog', 'survey_nps_30d', 'alerts_suppressed_total', 'outreach_withheld_total', 'outreach_messages_sent_total', 'survey_answers_total', 'outreach_escalations_total', 'notifications_total']) {
      expect(resolved, name).to.include(`# TYPE ${name} `);
    }
    expect(resolved).to.match(/^delivery_backlog\{kind="signals"\} \d+$/m);
  });

  it('a repeat within the cooldown counts as suppressed', async () => {
    const customerId = uniqueCustomer('metrics-sup');
    const before = await scrapeApi();
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'I will sue you, my lawyer will contact you' }).expect(202);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', language: 'en', text: 'My lawyer is preparing the lawsuit against you now.' }).expect(202);
    await waitProcessed(customerId, 2);
    const n = Number((await h().db('alerts').where({ customer_id: customerId, type: 'legal_threat' }).first('suppressed_count'))!.suppressed_count);
    expect(n, 'the second threat was suppressed').to.be.at.least(1);
    const after = await scrapeApi();
    expect(sample(after, 'alerts_suppressed_total', { type: 'legal_threat', severity: 'crisis' }) - sample(before, 'alerts_suppressed_total', { type: 'legal_threat', severity: 'crisis' })).to.be.at.least(n);
  });

  it('db_statements_total counts each statement a process sends, a transaction’s BEGIN and COMMIT included', async () => {
    const db = countStatements(createDb(testConfig().databaseUrl!, { pool: 1 }));
    try {
      const before = sample(await scrapeApi(), 'db_statements_total');
      await db.raw('SELECT 1');
      await db.transaction(async (trx) => void (await trx.raw('SELECT 2')));
      expect(sample(await scrapeApi(), 'db_statements_total') - before).to.equal(4);
    } finally {
      await db.destroy();
    }
  });
});

