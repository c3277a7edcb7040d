// The API's alert stream wakes on Postgres notifications when alert events are added: one wake-up
// per transaction, however many events it adds (migration 20261208000200). And a suppressed repeat
// is counted once per alert and signal, whoever counts it (migration 20261209000100).
import { expect } from 'chai';
import pg from 'pg';
import { createDb, migrate, type Db } from '../../db';
import { countSuppressions, insertAlerts } from '../../db/alerts';
import { RECOMMENDED_ACTIONS } from '../../domain/actions';
import { createTestDatabase } from '../harness';

describe('alert events: notifications for the stream feed', function () {
  this.timeout(60_000);
  let db: Db;
  let drop: () => Promise<void>;
  let listener: pg.Client;
  const received: string[] = [];

  before(async () => {
    const scratch = await createTestDatabase();
    drop = scratch.drop;
    db = createDb(scratch.url, { pool: 3 });
    await migrate(db);
    listener = new pg.Client({ connectionString: scratch.url });
    await listener.connect();
    listener.on('notification', (n) => received.push(n.channel));
    await listener.query('LISTEN alert_events');
  });
  after(async () => {
    await listener.end();
    await db.destroy();
    await drop();
  });

  /**
   * Until a connection to this database waits for a lock: the second attempt, held up by the first
   * one's uncommitted rows. (Up to 5 s; an implementation that never waits is then tested as it is.)
   */
  const heldUpByLock = async () => {
    for (const deadline = Date.now() + 5000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 10))) {
      const { rows } = await db.raw(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
      if (rows[0].n > 0) return;
    }
  };

  /** Notifications are delivered to the listener before the result of its next query. */
  const delivered = async () => (await listener.query('SELECT 1'), received.splice(0));

  it('wakes the feed once per transaction that adds alert events, however many it adds, and not for a statement that adds none', async () => {
    await db.transaction(async (trx) => {
      const [alert] = await insertAlerts(trx, [
        {
          id: '3f0b1c52-6a7e-4c55-9d3b-1a2b3c4d5e6f',
          type: 'churn_signal',
          severity: 'high',
          customerId: 'c-notify',
          key: 'churn_signal',
          dedupId: 'churn_signal/c-notify/s-1',
          workflowId: null,
          recommendedAction: RECOMMENDED_ACTIONS.churn_signal,
          evidence: { signalIds: ['s-1'] },
          metadata: {},
        },
      ]);
      const counted = await countSuppressions(trx, 'c-notify', ['s-2', 's-3', 's-4'].map((signalId) => ({ type: 'churn_signal' as const, signalId })));
      expect(counted).to.deep.equal([alert.id, alert.id, alert.id]);
    });
    expect(await db('alert_events').count({ n: '*' }).first()).to.deep.equal({ n: 4 });
    expect(await delivered(), 'one created and three suppressed events: one wake-up').to.deep.equal(['alert_events']);
    // Counted already (a retried batch): the statement adds no event.
    expect(await countSuppressions(db, 'c-notify', [{ type: 'churn_signal', signalId: 's-2' }])).to.deep.equal([null]);
    expect(await delivered(), 'no event added: no wake-up').to.deep.equal([]);
  });

  it('counts a suppressed repeat once when two attempts count it at the same time', async () => {
    const [alert] = await insertAlerts(db, [
      {
        id: '7a1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f',
        type: 'legal_threat',
        severity: 'critical',
        customerId: 'c-twice',
        key: 'legal_threat',
        dedupId: 'legal_threat/c-twice/s-1',
        workflowId: null,
        recommendedAction: RECOMMENDED_ACTIONS.legal_threat,
        evidence: { signalIds: ['s-1'] },
        metadata: {},
      },
    ]);
    const repeat = [{ type: 'legal_threat' as const, signalId: 's-2' }];
    // The first attempt has counted but not committed when the second counts the same repeat: the
    // second cannot see the first's event, and must still not count it again.
    const first = await db.transaction();
    expect(await countSuppressions(first, 'c-twice', repeat)).to.deep.equal([alert.id]);
    const second = db.transaction(async (trx) => countSuppressions(trx, 'c-twice', repeat));
    await heldUpByLock();
    await first.commit();
    expect(await second).to.deep.equal([null]);
    expect(await db('alerts').where({ id: alert.id }).first('suppressed_count')).to.deep.equal({ suppressed_count: 1 });
    expect(await db('alert_events').where({ alert_id: alert.id, action: 'suppressed' }).count({ n: '*' }).first()).to.deep.equal({ n: 1 });
  });
});
