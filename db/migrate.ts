import { loadConfig, requireDatabaseUrl } from '../config';
import { createDb, migrate } from '.';

async function run() {
  const db = createDb(requireDatabaseUrl(loadConfig()));
  try {
    const applied = await migrate(db);
    console.log(applied.length ? `applied ${applied.join(', ')}` : 'database is up to date');
  } finally {
    await db.destroy();
  }
}

run().catch((err) => {
  console.error(err);
  process.exit(1);
});
