import { Writable } from 'node:stream';
import { expect } from 'chai';
import pino from 'pino';
import supertest from 'supertest';
import { createApp } from '../../api/app';
import { sdkLogSink } from '../../api/logger';
import { h, testConfig } from '../harness';

/** A JSON logger whose lines the test can read. */
function capturedLogger() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line));
      }
      done();
    },
  });
  return { log: pino({ level: 'info', base: undefined }, stream), lines, raw };
}

describe('logs: JSON lines with a request id, never personal data', () => {
  it('one line per request with its id (ours, or the caller’s when it is a plain token), the route pattern and status; no customer id from the path, no body text', async () => {
    const { log, lines, raw } = capturedLogger();
    const { app } = createApp({ config: testConfig(), db: h().db, client: h().client, log, codec: h().codec });
    const http = supertest(app);
    const auth = `Bearer ${h().adminKey}`;
    const email = 'anna.schmidt@example.com';
    const text = 'Ich kündige, die Rechnung ist falsch';
    const put = await http.put(`/v1/customers/${encodeURIComponent(email)}`).set('Authorization', auth).send({ name: 'Anna Schmidt', phone: '+4915112345678' });
    expect(put.status).to.be.oneOf([200, 201]);
    const posted = await http.post('/v1/signals').set('Authorization', auth).set('X-Request-Id', 'crm-batch-7781').send({ customerId: email, type: 'feedback', text });
    expect(posted.status).to.equal(202);
    expect(posted.headers['x-request-id']).to.equal('crm-batch-7781');
    const odd = await http.get('/v1/alerts').set('Authorization', auth).set('X-Request-Id', 'not a token; drop table');
    expect(odd.headers['x-request-id']).to.match(/^[0-9a-f-]{36}$/);
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.requestId, l.method, l.route, l.status])).to.deep.equal([
      [put.headers['x-request-id'], 'PUT', '/v1/customers/:id', put.status],
      ['crm-batch-7781', 'POST', '/v1/signals/', 202],
      [odd.headers['x-request-id'], 'GET', '/v1/alerts/', 200],
    ]);
    for (const l of requests) expect(l.ms).to.be.a('number');
    const all = raw.join('\n');
    for (const secret of [email, encodeURIComponent(email), 'Anna', '+4915112345678', 'kündige', 'drop table']) expect(all, secret).to.not.include(secret);
  });

  it('the SDK’s entries become JSON lines carrying the workflow id', () => {
    const { log, lines } = capturedLogger();
    sdkLogSink(log)({ level: 'WARN', message: 'Activity failed', meta: { workflowId: 'customer-journey/c-42', activityType: 'processSignals' } });
    expect(lines).to.have.length(1);
    expect(lines[0]).to.include({ level: 40, msg: 'Activity failed', workflowId: 'customer-journey/c-42', activityType: 'processSignals' });
  });
});
