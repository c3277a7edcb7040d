// Determinism: recorded journey histories must replay on the current workflow code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { historyFromJSON, JSONToPayload, payloadToJSON, type JSONPayload } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { findTemporalCli } from '../../scripts/temporal-cli';
import { eventually, h, testConfig, uniqueCustomer, startApi, waitProcessed } from '../harness';
import { journeyWorkflowId, riskProfileQuery } from '../../domain/messages';

const FIXTURES = path.join(__dirname, '../fixtures/histories');

/** A history (proto3 JSON) with every payload passed through this run's codec. */
async function decrypted(value: unknown): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map(decrypted));
  if (!value || typeof value !== 'object') return value;
  const o = value as Record<string, unknown>;
  if (o.metadata && typeof o.metadata === 'object' && 'encoding' in o.metadata) {
    const [payload] = await h().codec.decode([JSONToPayload(o as unknown as JSONPayload)]);
    return payloadToJSON(payload);
  }
  return Object.fromEntries(await Promise.all(Object.entries(o).map(async ([k, v]) => [k, await decrypted(v)])));
}

describe('workflow determinism', () => {
  it('replays the committed histories of earlier versions', async () => {
    const files = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.json'));
    expect(files, 'recorded histories are committed').to.not.be.empty;
    const histories = files.map((f) => ({ workflowId: f, history: historyFromJSON(JSON.parse(fs.readFileSync(path.join(FIXTURES, f), 'utf8'))) }));
    for await (const result of Worker.runReplayHistories({ workflowBundle: h().bundle }, histories)) {
      expect(result.error, `${result.workflowId}: ${result.error?.message}`).to.equal(undefined);
    }
  });

  it('replays a journey recorded in this run: alerts, a suppressed repeat, a resolution and the idle end', async function () {
    this.timeout(60_000);
    const api = startApi({ ...testConfig(), journeyIdleTimeoutMs: 3000, occurredAt: { horizonDays: 100 * 365, maxFutureMinutes: 5 } });
    const customerId = uniqueCustomer('replay');
    const t0 = Date.parse('2026-03-01T10:00:00Z');
    await api.http.post('/v1/signals/batch').send({
      signals: [
        { customerId, type: 'feedback', text: 'Ich verklage Sie, mein Anwalt ist informiert.', occurredAt: new Date(t0).toISOString() },
        { customerId, type: 'feedback', analysis: { legalThreat: true }, occurredAt: new Date(t0 + 60_000).toISOString() },
        { customerId, type: 'cancellation_request', text: 'Cancel everything, worst service ever.', occurredAt: new Date(t0 + 120_000).toISOString() },
      ],
    }).expect(202);
    await waitProcessed(customerId, 3);
    // A second batch, to a journey that already has a state: its reply is the state's change.
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: 'Still waiting for my refund.', occurredAt: new Date(t0 + 180_000).toISOString() }).expect(202);
    await waitProcessed(customerId, 4);
    const { body } = await api.http.get('/v1/alerts').query({ customerId });
    await api.http.post(`/v1/alerts/${body.items[0].id}/resolve`).send({}).expect(200);

    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 20_000, 'journey to end when idle');
    const history = await handle.fetchHistory();
    if (process.env.RECORD_HISTORIES) {
      // The CLI writes the proto3 JSON that historyFromJSON reads.
      const cli = findTemporalCli(() => {}).path!;
      const json = execFileSync(cli, ['workflow', 'show', '-w', handle.workflowId, '--address', h().server.address, '--output', 'json'], { encoding: 'utf8' });
      // Decrypted: this run's master key is gone when a later run replays the fixture.
      fs.writeFileSync(path.join(FIXTURES, `journey-${process.env.RECORD_HISTORIES}.json`), `${JSON.stringify(await decrypted(JSON.parse(json)), null, 2)}\n`);
    }
    // Replays through the same codec: the history itself is encrypted.
    await Worker.runReplayHistory({ workflowBundle: h().bundle, dataConverter: { payloadCodecs: [h().codec] } }, history, handle.workflowId);

    // The idle end left the journey's memory for the next run.
    const saved = await h().db('customers').where({ id: customerId }).first();
    expect(saved.journey_snapshot.signalsProcessed).to.equal(4);
  });

  it('replays a journey whose batches ran while queries and signals kept arriving', async function () {
    this.timeout(60_000);
    const api = startApi(testConfig());
    const customerId = uniqueCustomer('replay-busy');
    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    const texts = ['terrible service, I want a refund', 'Ich verklage Sie, mein Anwalt ist informiert.', 'thanks, it works now', 'cancel my contract'];
    let sending = true;
    // Queries answered while batches run (a local activity holds its workflow task open meanwhile).
    const querying = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (sending) await handle.query(riskProfileQuery).catch(() => undefined);
      }),
    );
    for (let i = 0; i < 24; i++) {
      await api.http.post('/v1/signals').send({ customerId, type: 'feedback', text: texts[i % texts.length], language: i % 4 === 1 ? 'de' : 'en' }).expect(202);
      if (i % 3 === 0) await new Promise((r) => setTimeout(r, 15));
    }
    await waitProcessed(customerId, 24, 30_000);
    sending = false;
    await querying;
    const history = await handle.fetchHistory();
    const batches = history.events!.filter((e) => e.markerRecordedEventAttributes || e.activityTaskScheduledEventAttributes).length;
    expect(batches, 'several batches, not one').to.be.greaterThan(1);
    await Worker.runReplayHistory({ workflowBundle: h().bundle, dataConverter: { payloadCodecs: [h().codec] } }, history, handle.workflowId);
  });
});
