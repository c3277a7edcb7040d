import type { Knex } from 'knex';

// Audit rows written inside a larger transaction join the chain when that transaction commits
// (db/audit.ts). They wait in audit_pending, and a deferred trigger takes the writers' lock, chains
// them after the last row and moves them into audit_log at COMMIT, inside the database. The lock was
// held from the writer's append until its COMMIT arrived; under load the transactions spent most of
// that time waiting for their client to send the next statement (pg_stat_activity in the bench: the
// holder idle in transaction, about one writer queued behind it on average). The trigger hands them
// to audit_append (same lock, same hash), so writers of the versions before can run beside.
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE TABLE audit_pending (
      seq bigserial PRIMARY KEY,
      tx bigint NOT NULL DEFAULT txid_current(),
      at timestamptz NOT NULL,
      actor text NOT NULL,
      action text NOT NULL,
      subject text,
      data jsonb NOT NULL,
      head text NOT NULL,
      tail text NOT NULL
    );
    CREATE INDEX audit_pending_tx ON audit_pending (tx, seq);

    CREATE FUNCTION audit_chain_pending() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      -- Fired at commit for every pending row: the first firing chains all of this transaction's,
      -- in the order written, the way a write on its own is chained (audit_append).
      IF NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.seq = NEW.seq) THEN
        RETURN NULL;
      END IF;
      PERFORM 1
        FROM (SELECT array_agg(p.at ORDER BY p.seq) AS ats, array_agg(p.actor ORDER BY p.seq) AS actors,
                     array_agg(p.action ORDER BY p.seq) AS actions, array_agg(p.subject ORDER BY p.seq) AS subjects,
                     array_agg(p.data ORDER BY p.seq) AS datas, array_agg(p.head ORDER BY p.seq) AS heads,
                     array_agg(p.tail ORDER BY p.seq) AS tails
                FROM audit_pending p WHERE p.tx = NEW.tx) mine,
             audit_append(${0x61756469}, mine.ats, mine.actors, mine.actions, mine.subjects, mine.datas, mine.heads, mine.tails);
      DELETE FROM audit_pending p WHERE p.tx = NEW.tx;
      RETURN NULL;
    END
    $$;

    CREATE CONSTRAINT TRIGGER audit_pending_chain AFTER INSERT ON audit_pending
      DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION audit_chain_pending();
  `);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP TABLE audit_pending; DROP FUNCTION audit_chain_pending()');
}
