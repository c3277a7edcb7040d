// The audit trail's chain on a database of its own: appends stay linear under concurrency, the
// table refuses UPDATE and DELETE, and an altered, removed or re-hashed row — or a cut-off tail —
// makes verifyAuditChain and `npm run audit:verify` fail, naming the row.
import { expect } from 'chai';
import { createDb, migrate, type Db } from '../../db';
import { appendAudit, AuditTrail, auditHash, verifyAuditChain, type AuditEntry } from '../../db/audit';
import { pseudonymOf, PSEUDONYM } from '../../domain/privacy';
import { createTestDatabase, runScript } from '../harness';

const auditVerify = (databaseUrl: string, args: string[] = []) => runScript('scripts/audit-verify.ts', args, { DATABASE_URL: databaseUrl });

const entry = (i: number): AuditEntry => ({ actor: 'system', action: 'signal.scored', subject: `p_${'a'.repeat(25)}${i % 10}`, data: { score: i / 100, tier: 'low', contributions: [{ factor: 'churn', weight: 0.1 }] } });

/** Runs fn with the append-only triggers off, as the database owner could. */
async function untriggered(db: Db, fn: () => Promise<unknown>) {
  await db.raw('ALTER TABLE audit_log DISABLE TRIGGER ALL');
  try {
    await fn();
  } finally {
    await db.raw('ALTER TABLE audit_log ENABLE TRIGGER ALL');
  }
}

describe('audit trail: hash chain', function () {
  this.timeout(120_000);
  let db: Db;
  let url: string;
  let drop: () => Promise<void>;

  beforeEach(async () => {
    const scratch = await createTestDatabase();
    url = scratch.url;
    drop = scratch.drop;
    db = createDb(url, { pool: 5 });
    await migrate(db);
  });
  afterEach(async () => {
    await db.destroy();
    await drop();
  });

  it('appends in order, stays linear under concurrent writers, and verifies', async () => {
    await appendAudit(db, [entry(1), entry(2)]);
    await Promise.all(Array.from({ length: 20 }, (_, i) => appendAudit(db, [entry(10 + i)])));
    await db.transaction(async (trx) => appendAudit(trx, [entry(99)]));
    const r = await verifyAuditChain(db);
    expect(r).to.include({ ok: true, rows: 23 });
    const rows = await db('audit_log').orderBy('id');
    expect(rows.map((x) => Number(x.id))).to.deep.equal(Array.from({ length: 23 }, (_, i) => i + 1));
    expect(r.head).to.deep.equal({ id: 23, hash: rows[22].hash });
    const ok = await auditVerify(url);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(ok.stdout).to.include('23 rows verified');
  });

  it('hashes any data the way the verifier does, and chains with rows a writer of the version before appended', async () => {
    const odd: AuditEntry[] = [
      { actor: 'api-key:Équipe "Nord"', action: 'key.created', subject: null, data: { keyName: 'Zoë\nline two\\ "quoted" 😀', nested: { id: 0, list: [1.5, null, { id: 7 }], z: true }, id: 3 } },
      { actor: 'system', action: 'segment.changed', subject: 'p_x', data: {} },
    ];
    await appendAudit(db, odd);
    // The version before this one: audit_tail, then Node hashes and inserts (a replica mid-upgrade).
    await db.transaction(async (trx) => {
      const { rows } = await trx.raw('SELECT id, hash FROM audit_tail(?)', [0x61756469]);
      const row = { id: Number(rows[0].id) + 1, at: new Date().toISOString(), actor: 'system', action: 'alert.fired', subject: 'p_y', data: { rule: 'legal_threat' } };
      await trx('audit_log').insert({ ...row, data: JSON.stringify(row.data), prev_hash: rows[0].hash, hash: auditHash(rows[0].hash, row) });
    });
    const [after] = await appendAudit(db, [entry(4)]);
    expect(after.id).to.equal(4);
    // And inside a transaction (chained at its commit), with the odd data again.
    await db.transaction((trx) => appendAudit(trx, odd));
    const stored = await db('audit_log').orderBy('id');
    [0, 1, 4, 5].forEach((at, i) => expect(stored[at].data, 'the data as given').to.deep.equal(odd[i % 2].data));
    const r = await verifyAuditChain(db);
    expect(r, JSON.stringify(r.problem)).to.include({ ok: true, rows: 6 });
  });

  it('rows written in a transaction join the chain when it commits, so an open transaction holds up no other writer', async () => {
    const trx = await db.transaction();
    await appendAudit(trx, [entry(1), entry(2)]);
    expect(await db('audit_log').count({ n: '*' }).first(), 'nothing chained before the commit').to.deep.equal({ n: 0 });
    // Another writer, and concurrent transactions, append while this one is still open (they would
    // wait for its commit if the lock were taken at the append).
    const [alone] = await appendAudit(db, [entry(3)]);
    expect(alone.id).to.equal(1);
    await Promise.all(Array.from({ length: 10 }, (_, i) => db.transaction((t) => appendAudit(t, [entry(10 + i), entry(20 + i)]))));
    await trx.commit();
    const rows = await db('audit_log').orderBy('id');
    expect(rows.map((x) => Number(x.id))).to.deep.equal(Array.from({ length: 23 }, (_, i) => i + 1));
    // A transaction's rows stay together and in the order written.
    expect(rows.slice(21).map((x) => x.data.score)).to.deep.equal([0.01, 0.02]);
    for (let i = 1; i < 21; i += 2) expect(rows[i + 1].data.score - rows[i].data.score).to.be.closeTo(0.1, 1e-9);
    expect(await db('audit_pending').count({ n: '*' }).first(), 'nothing left pending').to.deep.equal({ n: 0 });
    expect(await verifyAuditChain(db)).to.include({ ok: true, rows: 23 });
  });

  it('a rolled-back append leaves no gap: the next writer takes the same id', async () => {
    await appendAudit(db, [entry(1)]);
    await db
      .transaction(async (trx) => {
        await appendAudit(trx, [entry(2)]);
        throw new Error('the action failed');
      })
      .catch(() => undefined);
    await appendAudit(db, [entry(3)]);
    expect((await db('audit_log').orderBy('id')).map((x) => Number(x.id))).to.deep.equal([1, 2]);
    expect((await verifyAuditChain(db)).ok).to.equal(true);
  });

  it('refuses UPDATE, DELETE and TRUNCATE', async () => {
    await appendAudit(db, [entry(1), entry(2)]);
    for (const sql of [`UPDATE audit_log SET data = '{}' WHERE id = 1`, 'DELETE FROM audit_log WHERE id = 2', 'TRUNCATE audit_log']) {
      const err = await db.raw(sql).then(
        () => null,
        (e: Error) => e,
      );
      expect(err, sql).to.be.instanceOf(Error);
      expect(err!.message).to.include('append-only');
    }
    expect(await db('audit_log').count({ n: '*' }).first()).to.deep.equal({ n: 2 });
    expect((await verifyAuditChain(db)).ok).to.equal(true);
  });

  it('an altered row fails verification and npm run audit:verify, naming the row', async () => {
    await appendAudit(db, [1, 2, 3, 4, 5].map(entry));
    await untriggered(db, () => db.raw(`UPDATE audit_log SET data = jsonb_set(data, '{score}', '0.99') WHERE id = 3`));
    const r = await verifyAuditChain(db);
    expect(r.ok).to.equal(false);
    expect(r.problem).to.deep.include({ id: 3 });
    expect(r.problem!.reason).to.match(/altered/);
    expect(r.rows).to.equal(2);
    const cli = await auditVerify(url);
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.match(/NOT OK: row 3: altered/);
  });

  it('an altered row whose hash was recomputed breaks the link to the next row', async () => {
    await appendAudit(db, [1, 2, 3, 4].map(entry));
    const row = await db('audit_log').where({ id: 2 }).first();
    const forged = { ...row, id: 2, at: new Date(row.at).toISOString(), data: { ...row.data, tier: 'critical' } };
    await untriggered(db, () => db('audit_log').where({ id: 2 }).update({ data: JSON.stringify(forged.data), hash: auditHash(row.prev_hash, forged) }));
    const r = await verifyAuditChain(db);
    expect(r.problem).to.deep.include({ id: 3 });
    expect(r.problem!.reason).to.match(/prev_hash/);
  });

  it('a removed row fails verification and npm run audit:verify, naming it', async () => {
    await appendAudit(db, [1, 2, 3, 4, 5].map(entry));
    await untriggered(db, () => db.raw('DELETE FROM audit_log WHERE id = 4'));
    const r = await verifyAuditChain(db);
    expect(r.problem).to.deep.equal({ id: 4, reason: 'row 4 is missing (removed)' });
    const cli = await auditVerify(url);
    expect(cli.code).to.equal(1);
    expect(cli.stderr).to.include('row 4');

    // Renumbering the rest to close the gap breaks the chain all the same.
    await untriggered(db, () => db.raw('UPDATE audit_log SET id = id - 1 WHERE id > 4'));
    expect((await verifyAuditChain(db)).problem?.id).to.equal(4);
  });

  it('a removed first row, and a tail cut off after its head was anchored, are found', async () => {
    await appendAudit(db, [1, 2, 3].map(entry));
    const { head } = await verifyAuditChain(db);
    await untriggered(db, () => db.raw('DELETE FROM audit_log WHERE id = 3'));
    expect((await verifyAuditChain(db)).ok, 'without an anchor the chain alone cannot see a cut tail').to.equal(true);
    const anchored = await verifyAuditChain(db, { anchor: head! });
    expect(anchored.ok).to.equal(false);
    expect(anchored.problem!.id).to.equal(3);
    const cli = await auditVerify(url, ['--anchor', `${head!.id}:${head!.hash}`]);
    expect(cli.code).to.equal(1);
    await untriggered(db, () => db.raw('DELETE FROM audit_log WHERE id = 1'));
    expect((await verifyAuditChain(db)).problem).to.deep.equal({ id: 1, reason: 'row 1 is missing (removed)' });
  });

  it('refuses personal data in an entry and stores customers only by pseudonym', async () => {
    const trail = new AuditTrail('s'.repeat(40));
    for (const data of [{ phone: '+4915112345678' }, { nested: { email: 'a@b.c' } }, { customerId: 'ada' }]) {
      const err = await appendAudit(db, [{ ...entry(1), data }]).then(() => null, (e: Error) => e);
      expect(err, JSON.stringify(data)).to.be.instanceOf(Error);
    }
    await trail.record(db, [{ actor: 'anna', action: 'profile.changed', customerId: 'ada@example.com', data: { fields: ['email'] } }]);
    const rows = await db('audit_log');
    expect(rows).to.have.length(1);
    expect(rows[0].subject).to.equal(pseudonymOf('s'.repeat(40), 'ada@example.com')).and.match(PSEUDONYM);
    expect(JSON.stringify(rows)).not.to.include('ada@example.com');
  });

  it('pseudonyms are stable per secret and differ between secrets and customers', () => {
    const a = pseudonymOf('secret-one-0123456789abcdef0123456789', 'cust-1');
    expect(a).to.match(PSEUDONYM);
    expect(pseudonymOf('secret-one-0123456789abcdef0123456789', 'cust-1')).to.equal(a);
    expect(pseudonymOf('secret-two-0123456789abcdef0123456789', 'cust-1')).not.to.equal(a);
    expect(pseudonymOf('secret-one-0123456789abcdef0123456789', 'cust-2')).not.to.equal(a);
  });
});
