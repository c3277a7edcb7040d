import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';

// Postgres returns bigint counts as strings; ours fit a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Knex;

/**
 * The statements every journey batch sends are named (`.options({ name })`): each connection then
 * parses and plans them once, a prepared statement, instead of on every call (planning was a third
 * of Postgres's time per statement in the bench, a millisecond a call for the segment features). A
 * named statement keeps one text for the life of the process (node-postgres refuses another text
 * under its name) and lists its columns: a prepared plan whose result columns change under it
 * fails instead of planning again.
 */
export function createDb(databaseUrl: string, opts: { pool?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: {
      min: 0,
      max: opts.pool ?? 10,
      // The embedded database keeps one session across its clients' connections: a new connection
      // must not find the statements an earlier one prepared (node-postgres would prepare them again).
      afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => void conn.query('DEALLOCATE ALL').then(() => done(null, conn), (err: Error) => done(err, conn)),
    },
    migrations: {
      directory: path.join(__dirname, 'migrations'),
      loadExtensions: ['.ts', '.js'],
      tableName: 'knex_migrations',
    },
  });
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = await db.migrate.latest();
  return applied as string[];
}
