import path from 'node:path';
import knex, { type Knex } from 'knex';
import pg from 'pg';

// Postgres returns bigint counts as strings; ours fit a JS number.
pg.types.setTypeParser(20, (v) => Number(v));

export type Db = Knex;

export function createDb(databaseUrl: string, opts: { pool?: number } = {}): Db {
  return knex({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: 0, max: opts.pool ?? 10 },
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
