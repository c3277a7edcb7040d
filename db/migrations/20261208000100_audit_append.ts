import type { Knex } from 'knex';

// The audit writer's whole append in one round trip (db/audit.ts): the lock, the read of the last
// row, the hash chain and the insert. Every audited transaction holds that lock until it commits, so
// under load the writers queue on it (in the bench, 50 ms on average for the lock alone); each round
// trip taken out from under it is throughput. The writer sends each row's canonical JSON around its
// id (known only here), and the hash is SHA-256 of "<previous hash>\n<canonical JSON>" as before:
// rows written by audit_tail and by this function chain alike, so replicas of either version can
// run side by side during an upgrade. VOLATILE: the read after the lock sees what the previous
// holder committed (see 20261207000100_audit_tail).
export async function up(knex: Knex): Promise<void> {
  await knex.raw(`
    CREATE FUNCTION audit_append(lock_key bigint, ats timestamptz[], actors text[], actions text[], subjects text[], datas jsonb[], heads text[], tails text[])
      RETURNS TABLE (id bigint, prev_hash text, hash text) LANGUAGE plpgsql VOLATILE AS $$
    DECLARE
      last_id bigint;
      last_hash text;
    BEGIN
      PERFORM pg_advisory_xact_lock(lock_key);
      SELECT a.id, a.hash INTO last_id, last_hash FROM audit_log a ORDER BY a.id DESC LIMIT 1;
      last_id := coalesce(last_id, 0);
      last_hash := coalesce(last_hash, repeat('0', 64));
      FOR i IN 1 .. coalesce(array_length(heads, 1), 0) LOOP
        id := last_id + 1;
        prev_hash := last_hash;
        hash := encode(sha256(convert_to(last_hash || E'\\n' || heads[i] || id::text || tails[i], 'UTF8')), 'hex');
        INSERT INTO audit_log AS a (id, at, actor, action, subject, data, prev_hash, hash)
          VALUES (id, ats[i], actors[i], actions[i], subjects[i], datas[i], prev_hash, hash);
        last_id := id;
        last_hash := hash;
        RETURN NEXT;
      END LOOP;
    END
    $$`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP FUNCTION IF EXISTS audit_append(bigint, timestamptz[], text[], text[], text[], jsonb[], text[], text[])');
}
