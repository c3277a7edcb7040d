import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { createDb, migrate } from '../../db';
import { startEmbeddedPostgres, vacuumEmbeddedPeriodically } from '../../db/embedded';
import { appendAudit, verifyAuditChain } from '../../db/audit';
import { getSignal, recordSignals } from '../../db/signals';
import { changeAlertStatus, insertAlerts } from '../../db/alerts';
import { evaluateSegment } from '../../db/segments';
import { RECOMMENDED_ACTIONS } from '../../domain/actions';

describe('embedded Postgres (PGlite behind a wire socket)', () => {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pglite-'));
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('runs the migrations and the same knex code, and keeps the data across a restart', async function () {
    this.timeout(120_000);
    const signal = {
      id: 'emb-1',
      customerId: 'c-emb',
      type: 'feedback' as const,
      channel: 'app',
      text: 'Zug fiel aus',
      language: 'de',
      occurredAt: '2026-01-01T10:00:00.000Z',
      location: { lat: 52.5, lon: 13.4 },
      rootCause: 'delivery_delay',
      analysis: null,
      metadata: { app: '5.1' },
    };

    let pg = await startEmbeddedPostgres({ dataDir: dir });
    let db = createDb(pg.url, { pool: 1 });
    try {
      expect(await migrate(db)).to.have.length.greaterThan(0);
      expect(await recordSignals(db, [{ signal, payloadHash: 'h1', workflowId: 'customer-journey/c-emb' }])).to.deep.equal(['accepted']);
      const [alert] = await insertAlerts(db, [
        {
          id: '6d1c3c5e-8b8a-4c1e-9a55-0d8f5f0d2a11',
          type: 'churn_signal',
          severity: 'high',
          customerId: 'c-emb',
          key: 'churn_signal',
          dedupId: 'churn_signal/c-emb/emb-1',
          workflowId: null,
          recommendedAction: RECOMMENDED_ACTIONS.churn_signal,
          evidence: { signalIds: ['emb-1'] },
          metadata: {},
        },
      ]);
      expect((await changeAlertStatus(db, alert.id, 'acknowledge', 'ops', null)).status).to.equal('acknowledged');
    } finally {
      await db.destroy();
      await pg.stop();
    }

    pg = await startEmbeddedPostgres({ dataDir: dir });
    db = createDb(pg.url, { pool: 1 });
    try {
      expect(await migrate(db), 'nothing left to migrate').to.deep.equal([]);
      const found = await getSignal(db, 'emb-1');
      expect(found?.signal).to.include({ customerId: 'c-emb', text: 'Zug fiel aus', occurredAt: '2026-01-01T10:00:00.000Z' });
      expect(found?.signal.location).to.deep.equal({ lat: 52.5, lon: 13.4 });
      expect((await db('alerts').first()).status).to.equal('acknowledged');
    } finally {
      await db.destroy();
      await pg.stop();
    }
  });
  it('runs the named (prepared) statements on a connection that replaced a closed one: the database keeps one session for all', async function () {
    this.timeout(120_000);
    const pg = await startEmbeddedPostgres({});
    try {
      const first = createDb(pg.url, { pool: 1 });
      await migrate(first);
      expect((await evaluateSegment(first, 'c-prepared')).changed).to.equal(true);
      await first.destroy();
      // The pool's next connection (after an idle timeout, or in a new process) prepares them again.
      const next = createDb(pg.url, { pool: 1 });
      try {
        expect((await evaluateSegment(next, 'c-prepared')).changed).to.equal(false);
        expect((await evaluateSegment(next, 'c-other')).changed).to.equal(true);
      } finally {
        await next.destroy();
      }
    } finally {
      await pg.stop();
    }
  });
  it('chains audit rows at commit as the server does, and its vacuum keeps the rows waiting for a commit from piling up', async function () {
    this.timeout(120_000);
    const pg = await startEmbeddedPostgres({});
    const db = createDb(pg.url, { pool: 1 });
    await migrate(db);
    const vacuumErrors: unknown[] = [];
    const stop = vacuumEmbeddedPeriodically(db, (err) => void vacuumErrors.push(err), 50);
    try {
      const entry = (i: number) => ({ actor: 'system', action: 'signal.scored' as const, subject: 'p_emb', data: { score: i / 1000, tier: 'low' } });
      const round = async (from: number) => {
        for (let i = from; i < from + 400; i++) await db.transaction((trx) => appendAudit(trx, [entry(i), entry(i + 1)]));
        await new Promise((r) => setTimeout(r, 200));
        return Number((await db.raw("SELECT pg_relation_size('audit_pending') AS n")).rows[0].n);
      };
      const first = await round(0);
      const later = [await round(1000), await round(2000)];
      // Without the vacuum each round adds its dead rows to the table (checked: this fails then).
      expect(later, `audit_pending after rounds of 400 transactions (first ${first} bytes)`).to.satisfy((sizes: number[]) => sizes.every((n) => n <= first));
      expect(await db('audit_pending').count({ n: '*' }).first()).to.deep.equal({ n: 0 });
      expect(await verifyAuditChain(db)).to.include({ ok: true, rows: 2400 });
      expect(vacuumErrors.map(String), 'the periodic vacuum never failed').to.deep.equal([]);
    } finally {
      stop();
      await db.destroy();
      await pg.stop();
    }
  });
});
