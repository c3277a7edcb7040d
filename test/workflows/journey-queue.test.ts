// The journey under steady traffic and failing batches: continue-as-new carries the queue, and a
// batch that keeps failing is set aside without holding back the customer's other signals.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { defaultPayloadConverter } from '@temporalio/common';
import type { History } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { loadTextAnalyzer } from '../../analysis';
import { createActivities } from '../../activities';
import { JOURNEY_HISTORY_LIMIT, JOURNEY_VERSION, journeyWorkflowId, riskProfileQuery, type JourneyInput } from '../../domain/messages';
import { DEFAULT_THRESHOLDS } from '../../domain/rules';
import { customerJourneyWorkflow } from '../../workflows';
import { h, PSEUDONYM_SECRET, uniqueCustomer, useApi, waitProcessed } from '../harness';

type Acts = ReturnType<typeof createActivities>;

/** A worker with only the journey's activities, processSignals wrapped by the test. */
async function journeyWorker(taskQueue: string, wrap: (processSignals: Acts['processSignals']) => Acts['processSignals']) {
  const acts = createActivities({ db: h().db, analyzer: loadTextAnalyzer(), pseudonymSecret: PSEUDONYM_SECRET });
  const worker = await Worker.create({
    connection: h().connection,
    namespace: 'default',
    taskQueue,
    workflowBundle: h().bundle,
    activities: { ...acts, processSignals: wrap(acts.processSignals) },
    dataConverter: { payloadCodecs: [h().codec] },
  });
  const running = worker.run();
  return async () => {
    worker.shutdown();
    await running;
  };
}

/** Starts the customer's journey ourselves, with test settings the API does not send; the API's signals then reach it. */
async function startJourney(customerId: string, taskQueue: string, extra: Partial<JourneyInput>) {
  return h().client.workflow.start(customerJourneyWorkflow, {
    workflowId: journeyWorkflowId(customerId),
    taskQueue,
    args: [{ customerId, thresholds: DEFAULT_THRESHOLDS, idleTimeoutMs: 60_000, ...extra }],
  });
}

/** Event ids of a history's batches: processSignals as a regular activity (earlier runs) or as a local activity's marker. */
function batchEventIds(history: History): number[] {
  return (history.events ?? [])
    .filter((e) => {
      if (e.activityTaskScheduledEventAttributes) return e.activityTaskScheduledEventAttributes.activityType?.name === 'processSignals';
      const marker = e.markerRecordedEventAttributes;
      if (marker?.markerName !== 'core_local_activity') return false;
      // The marker's `data` is the SDK's own bookkeeping in clear JSON (activity type, attempt, times).
      const data = marker.details?.data?.payloads?.[0]?.data;
      return !!data && JSON.parse(Buffer.from(data).toString()).activity_type === 'processSignals';
    })
    .map((e) => Number(e.eventId));
}

const count = async (q: ReturnType<ReturnType<typeof h>['db']>) => Number((await q.count({ n: '*' }).first())!.n);

describe('customer journey: continue-as-new and failing batches', () => {
  const api = useApi();
  for (const [which, version] of [['runs started before JOURNEY_VERSION', {}], ['JOURNEY_VERSION runs (local activities)', { version: JOURNEY_VERSION }]] as const) {
    describe(which, () => {
      it('continues as new while signals are queued and processes every signal exactly once', async function () {
        this.timeout(90_000);
        const taskQueue = `carry-${randomUUID()}`;
        // A slow batch, so signals keep arriving while it runs: the queue is never empty at the check.
        const stop = await journeyWorker(taskQueue, (process) => async (input) => {
          await new Promise((r) => setTimeout(r, 250));
          return process(input);
        });
        const customerId = uniqueCustomer('carry');
        const historyLimit = 40;
        const handle = await startJourney(customerId, taskQueue, { historyLimit, ...version });
        try {
          const N = 40;
          const ids: string[] = [];
          for (let i = 0; i < N; i++) {
            const { body } = await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: `Message number ${i}: the app is slow today.` }).expect(202);
            ids.push(body.signalId);
            await new Promise((r) => setTimeout(r, 60));
          }
          const profile = await waitProcessed(customerId, N, 60_000);
          expect(profile.signalsProcessed, 'nothing processed twice').to.equal(N);
          expect(await count(h().db('analyses').whereIn('signal_id', ids)), 'every signal analysed').to.equal(N);

          // Every run that continued as new started no batch once its history had reached the limit
          // (how many events one batch adds depends on how many signals arrive meanwhile, so the
          // run's final length is not the measure), and at least one run carried queued signals.
          const runs: { runId: string; status: string; historyLength: number }[] = [];
          for await (const w of h().client.workflow.list({ query: `WorkflowId = '${handle.workflowId}'` })) runs.push({ runId: w.runId, status: w.status.name, historyLength: w.historyLength });
          if (process.env.DEBUG_RUNS) console.log(runs);
          const continued = runs.filter((r) => r.status === 'CONTINUED_AS_NEW');
          expect(continued.length, JSON.stringify(runs)).to.be.greaterThan(0);
          let carried = 0;
          for (const r of runs) {
            const history = await h().client.workflow.getHandle(handle.workflowId, r.runId).fetchHistory();
            const payloads = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
            const [input] = (await h().codec.decode(payloads as never)).map((p) => defaultPayloadConverter.fromPayload<JourneyInput>(p));
            carried += input.pending?.length ?? 0;
            if (r.status !== 'CONTINUED_AS_NEW') continue;
            // The batch decided on the last workflow task started below the limit is scheduled a few events later.
            const batches = batchEventIds(history);
            expect(batches.length, `run ${r.runId} batches`).to.be.greaterThan(0);
            expect(Math.max(...batches), `run ${r.runId}: a batch started after the history reached ${historyLimit} events`).to.be.at.most(historyLimit + 5);
          }
          expect(carried, 'signals carried across continue-as-new').to.be.greaterThan(0);
        } finally {
          await handle.terminate('test done').catch(() => undefined);
          await stop();
        }
      });

      it('sets a signal that always fails aside with an operator alert, after bounded retries, and analyses the others', async function () {
        this.timeout(90_000);
        const taskQueue = `poison-${randomUUID()}`;
        let poisonAttempts = 0;
        const stop = await journeyWorker(taskQueue, (process) => async (input) => {
          if (input.signals.some((s) => s.text?.includes('POISON'))) {
            poisonAttempts++;
            throw new Error('analysis crashed on this signal');
          }
          return process(input);
        });
        const customerId = uniqueCustomer('poison');
        const handle = await startJourney(customerId, taskQueue, { batchAttempts: 3, ...version });
        try {
          const send = (id: string, text: string) => ({ id: `${id}-${customerId}`, customerId, type: 'feedback', text });
          await api.http
            .post('/v1/signals/batch')
            .send({ signals: [send('before', 'Thanks, the delivery was quick.'), send('poison', 'POISON'), send('after', 'I want to cancel, nothing works.')] })
            .expect(202);
          await api.http.post('/v1/signals').send(send('later', 'Still waiting for my refund.')).expect(202);

          const profile = await waitProcessed(customerId, 4, 45_000);
          expect(profile.signalsProcessed).to.equal(4);
          for (const id of ['before', 'after', 'later']) {
            expect((await api.http.get(`/v1/signals/${id}-${customerId}`).expect(200)).body.analysis, id).to.not.equal(null);
          }
          const poison = (await api.http.get(`/v1/signals/poison-${customerId}`).expect(200)).body;
          expect(poison.analysis).to.equal(null);
          expect(poison.analysisWithheld).to.equal('processing_failed');
          const alerts = (await api.http.get('/v1/alerts').query({ customerId, type: 'processing_failed' }).expect(200)).body.items;
          expect(alerts).to.have.length(1);
          expect(alerts[0]).to.include({ severity: 'high', status: 'active' });
          expect(alerts[0].evidence.signalIds).to.deep.equal([`poison-${customerId}`]);
          expect(alerts[0].recommendedAction.de).to.be.a('string');
          // Bounded: the batch's attempts, then the signal's own; no more once set aside.
          const attempts = poisonAttempts;
          expect(attempts).to.be.within(3, 6);
          await new Promise((r) => setTimeout(r, 1500));
          expect(poisonAttempts).to.equal(attempts);
          const audit = await h().db('audit_log').where({ action: 'analysis.withheld' }).whereRaw(`data->>'reason' = 'processing_failed'`);
          expect(audit.length).to.be.at.least(1);
          // Retries, the one-by-one fallback and the set-aside replay as they ran.
          await Worker.runReplayHistory({ workflowBundle: h().bundle, dataConverter: { payloadCodecs: [h().codec] } }, await handle.fetchHistory(), handle.workflowId);
        } finally {
          await handle.terminate('test done').catch(() => undefined);
          await stop();
        }
      });
    });
  }

  it('a busy journey started by the API continues as new near JOURNEY_HISTORY_LIMIT events, long before Temporal suggests it', async function () {
    this.timeout(120_000);
    // Replaying a run after a refused continue-as-new or an eviction takes time in proportion to
    // its history: a busy customer's runs stay short, and every signal is processed once.
    const customerId = uniqueCustomer('busy');
    const signals = 130;
    for (let i = 0; i < signals; i++) {
      await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: i % 2 ? 'Still waiting for my refund.' : 'Thanks, that works.' }).expect(202);
      // One batch per signal: the most history events per signal a journey can take.
      await waitProcessed(customerId, i + 1);
    }
    const workflowId = journeyWorkflowId(customerId);
    const runs: { status: string; events: number }[] = [];
    for await (const w of h().client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push({ status: w.status.name, events: w.historyLength });
    const continued = runs.filter((r) => r.status === 'CONTINUED_AS_NEW');
    expect(continued.length, JSON.stringify(runs)).to.be.at.least(1);
    for (const r of runs) expect(r.events, JSON.stringify(runs)).to.be.at.most(JOURNEY_HISTORY_LIMIT + 20);
    const profile = await h().client.workflow.getHandle(workflowId).query(riskProfileQuery);
    expect(profile.signalsProcessed).to.equal(signals);
    const analysed = await h().db('analyses').where({ customer_id: customerId }).count({ n: '*' }).first();
    expect(Number(analysed!.n)).to.equal(signals);
    await h().client.workflow.getHandle(workflowId).terminate('test done').catch(() => undefined);
  });
});
