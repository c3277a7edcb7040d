// Determinism: recorded journey histories must replay on the current workflow code.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils';
import { Worker } from '@temporalio/worker';
import { journeyWorkflowId } from '../../domain/messages';
import { findTemporalCli } from '../../scripts/temporal-cli';
import { eventually, h, testConfig, uniqueCustomer, startApi, waitProcessed } from '../harness';

const FIXTURES = path.join(__dirname, '../fixtures/histories');

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
    const { body } = await api.http.get('/v1/alerts').query({ customerId });
    await api.http.post(`/v1/alerts/${body.items[0].id}/resolve`).send({}).expect(200);

    const handle = h().client.workflow.getHandle(journeyWorkflowId(customerId));
    await eventually(async () => (await handle.describe()).status.name === 'COMPLETED', 20_000, 'journey to end when idle');
    const history = await handle.fetchHistory();
    if (process.env.RECORD_HISTORIES) {
      // The CLI writes the proto3 JSON that historyFromJSON reads.
      const cli = findTemporalCli(() => {}).path!;
      const json = execFileSync(cli, ['workflow', 'show', '-w', handle.workflowId, '--address', h().server.address, '--output', 'json']);
      fs.writeFileSync(path.join(FIXTURES, `journey-${process.env.RECORD_HISTORIES}.json`), json);
    }
    // Replays through the same codec: the history itself is encrypted.
    await Worker.runReplayHistory({ workflowBundle: h().bundle, dataConverter: { payloadCodecs: [h().codec] } }, history, handle.workflowId);

    // The idle end left the journey's memory for the next run.
    const saved = await h().db('customers').where({ id: customerId }).first();
    expect(saved.journey_snapshot.signalsProcessed).to.equal(3);
  });
});
