import type { Knex } from 'knex';

// The audit writer's lock and its read of the last row in one round trip (db/audit.ts): the lock is
// held until commit and every audited transaction takes it, so each round trip under it counts. A
// VOLATILE function's queries each take a fresh snapshot, so the read sees what the previous holder
// of the lock committed (one statement doing both would read with a snapshot from before the wait).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION audit_tail(lock_key bigint) RETURNS TABLE (id bigint, hash text) LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
      PERFORM pg_advisory_xact_lock(lock_key);
      RETURN QUERY SELECT a.id, a.hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
    END
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS audit_tail(bigint)');
}
