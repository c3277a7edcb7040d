import type { Knex } from 'knex';

// Audit rows written inside a larger transaction join the chain when that transaction commits
// (db/audit.ts). They wait in audit_pending, and a deferred trigger takes the writers' lock, chains
// them after the last row and moves them into audit_log at COMMIT, inside the database. The lock was
// held from the writer's append until its COMMIT arrived; under load the transactions spent most of
// that time waiting for their client to send the next statement (pg_stat_activity in the bench: the
// holder idle in transaction, more than one writer queued behind it on average). Rows chain exactly
// as audit_append chains them, under the same lock, so writers of the versions before can run beside.
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
    DECLARE
      last_id bigint;
      last_hash text;
      next_hash text;
      r record;
    BEGIN
      -- Fired at commit for every pending row: the first firing chains all of this transaction's.
      IF NOT EXISTS (SELECT 1 FROM audit_pending p WHERE p.seq = NEW.seq) THEN
        RETURN NULL;
      END IF;
      PERFORM pg_advisory_xact_lock(${0x61756469});
      SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
      last_id := coalesce(last_id, 0);
      last_hash := coalesce(last_hash, repeat('0', 64));
      FOR r IN SELECT * FROM audit_pending p WHERE p.tx = NEW.tx ORDER BY p.seq LOOP
        last_id := last_id + 1;
        next_hash := encode(sha256(convert_to(last_hash || E'\\n' || r.head || last_id::text || r.tail, 'UTF8')), 'hex');
        INSERT INTO audit_log (id, at, actor, action, subject, data, prev_hash, hash)
          VALUES (last_id, r.at, r.actor, r.action, r.subject, r.data, last_hash, next_hash);
        last_hash := next_hash;
      END LOOP;
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
