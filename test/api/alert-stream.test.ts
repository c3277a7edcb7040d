import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { insertAlerts } from '../../db/alerts';
import { RECOMMENDED_ACTIONS } from '../../domain/actions';
import { createKey, eventually, h, startApi, uniqueCustomer, waitProcessed } from '../harness';

interface SseEvent {
  id: string;
  event: string;
  data: any;
}

/** A minimal event-stream reader over fetch, as a dashboard would use. */
function openStream(url: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const controller = new AbortController();
  const done = (async () => {
    const res = await fetch(url, { headers: { accept: 'text/event-stream', authorization: `Bearer ${h().adminKey}`, ...headers }, signal: controller.signal });
    const status = res.status;
    if (!res.body) return status;
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += value;
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const e: Partial<SseEvent> = {};
          for (const line of frame.split('\n')) {
            if (line.startsWith(':')) comments.push(line);
            else if (line.startsWith('id:')) e.id = line.slice(3).trim();
            else if (line.startsWith('event:')) e.event = line.slice(6).trim();
            else if (line.startsWith('data:')) e.data = JSON.parse(line.slice(5).trim());
          }
          if (e.event) events.push(e as SseEvent);
        }
      }
    } catch {
      // aborted
    }
    return status;
  })();
  return { events, comments, close: () => controller.abort(), done };
}

describe('GET /v1/alerts/stream (server-sent events)', () => {
  let server: Server;
  let base: string;
  let api: ReturnType<typeof startApi>;

  before(async () => {
    api = startApi();
    server = api.app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    await api.feed.close();
  });

  it('pushes new alerts and lifecycle changes for the filtered customer only, and resumes from Last-Event-ID', async () => {
    const customerId = uniqueCustomer();
    const other = uniqueCustomer();
    const stream = openStream(`${base}/v1/alerts/stream?customerId=${customerId}`);
    await eventually(async () => api.feed.size > 0, 5000, 'subscription');

    await api.http.post('/v1/signals').send({ customerId: other, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
    await api.http.post('/v1/signals').send({ customerId, type: 'feedback', analysis: { legalThreat: true } }).expect(202);
    await waitProcessed(customerId);
    const created = await eventually(async () => stream.events.find((e) => e.event === 'alert.created'), 10_000, 'alert.created');
    expect(created.data.alert).to.include({ customerId, type: 'legal_threat', severity: 'crisis', status: 'active' });

    const ops = await createKey('operator', { name: 'ops' });
    await api.anon.post(`/v1/alerts/${created.data.alert.id}/acknowledge`).set('Authorization', ops.auth).send({}).expect(200);
    const acked = await eventually(async () => stream.events.find((e) => e.event === 'alert.acknowledged'), 10_000, 'alert.acknowledged');
    expect(acked.data).to.include({ actor: 'ops' });
    expect(acked.data.alert.status).to.equal('acknowledged');
    expect(Number(acked.id)).to.be.greaterThan(Number(created.id));
    await waitProcessed(other);
    expect(stream.events.every((e) => e.data.alert.customerId === customerId), 'no other customer leaks in').to.equal(true);
    stream.close();

    // A dashboard that saw only the creation reconnects and misses nothing.
    await api.http.post(`/v1/alerts/${created.data.alert.id}/resolve`).send({}).expect(200);
    const resumed = openStream(`${base}/v1/alerts/stream?customerId=${customerId}`, { 'Last-Event-ID': created.id });
    await eventually(async () => resumed.events.length >= 2, 10_000, 'replayed events');
    expect(resumed.events.map((e) => e.event)).to.deep.equal(['alert.acknowledged', 'alert.resolved']);
    resumed.close();
  });

  it('pushes an alert whose transaction committed after a later one (event ids are taken before commit)', async () => {
    const customerId = uniqueCustomer();
    const stream = openStream(`${base}/v1/alerts/stream?customerId=${customerId}`);
    await eventually(async () => api.feed.size > 0, 5000, 'subscription');
    const alert = (n: number) => ({
      id: randomUUID(),
      type: 'churn_signal' as const,
      severity: 'high' as const,
      customerId,
      key: `churn_signal-${n}`,
      dedupId: `churn_signal/${customerId}/s-${n}`,
      workflowId: null,
      recommendedAction: RECOMMENDED_ACTIONS.churn_signal,
      evidence: { signalIds: [`s-${n}`] },
      metadata: {},
    });
    // The first alert's event takes its id, then waits; the second takes a higher id and commits first.
    const slow = await h().db.transaction();
    const [first] = await insertAlerts(slow, [alert(1)]);
    const [second] = await insertAlerts(h().db, [alert(2)]);
    await eventually(async () => stream.events.some((e) => e.data.alert.id === second.id), 10_000, 'the later alert');
    await slow.commit();
    const late = await eventually(async () => stream.events.find((e) => e.data.alert.id === first.id), 10_000, 'the alert committed late');
    expect(late.event).to.equal('alert.created');
    expect(late.data.alert).to.include({ customerId, type: 'churn_signal', status: 'active' });
    expect(Number(late.id)).to.be.lessThan(Number(stream.events.find((e) => e.data.alert.id === second.id)!.id));
    stream.close();
  });

  it('refuses a bad filter or Last-Event-ID with 400', async () => {
    const authorization = `Bearer ${h().adminKey}`;
    const bad = await fetch(`${base}/v1/alerts/stream?severity=apocalyptic`, { headers: { authorization } });
    expect(bad.status).to.equal(400);
    const badId = await fetch(`${base}/v1/alerts/stream`, { headers: { authorization, 'Last-Event-ID': 'yesterday' } });
    expect(badId.status).to.equal(400);
    expect(((await badId.json()) as { error: { details: { field: string }[] } }).error.details[0].field).to.equal('Last-Event-ID');
  });
});
