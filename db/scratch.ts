// A throwaway database on a Postgres server, for tests and the benchmark.
import { randomUUID } from 'node:crypto';
import knex from 'knex';

export async function createScratchDatabase(serverUrl: string, prefix: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = new URL(serverUrl);
  const name = `${prefix}_${process.pid}_${randomUUID().slice(0, 8)}`;
  const admin = knex({ client: 'pg', connection: base.toString(), pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(base.toString());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}
