import type { Knex } from 'knex';

// The audit trail (README "Audit trail"): one row per automated decision or human action, chained
// by SHA-256 (db/audit.ts computes and verifies the chain). Append-only: a trigger refuses UPDATE,
// DELETE and TRUNCATE. A superuser or the table's owner can still disable the trigger (ALTER TABLE
// … DISABLE TRIGGER), which is why every row also carries the hash of the row before it:
// `npm run audit:verify` finds an altered, removed, inserted or reordered row.
//
// ids are assigned by the writer (last id + 1 under an advisory lock), not by a sequence: a
// sequence leaves gaps when a transaction rolls back, and a gap must mean a removed row.
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('audit_log', (t) => {
    t.bigInteger('id').primary();
    t.timestamp('at', { useTz: true }).notNullable();
    // An API key's name, `system`, `customer` or `crm:<name>`.
    t.text('actor').notNullable();
    // A dotted verb: signal.scored, alert.fired, message.withheld, profile.changed, …
    t.text('action').notNullable();
    // A pseudonym of the customer id (never the id itself); null when no customer is concerned.
    t.text('subject');
    // Scores, rule names, reasons, ids of alerts and outreaches: never texts, phones, e-mails or names.
    t.jsonb('data').notNullable();
    t.text('prev_hash').notNullable();
    t.text('hash').notNullable().unique();
  });
  await knex.raw('CREATE INDEX audit_log_subject_id ON audit_log (subject, id)');
  await knex.raw('CREATE INDEX audit_log_at ON audit_log (at)');
  await knex.raw(`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END
    $$`);
  await knex.raw(`CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('audit_log');
  await knex.raw('DROP FUNCTION IF EXISTS audit_log_append_only()');
}
