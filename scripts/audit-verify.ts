// `npm run audit:verify [-- --anchor ID:HASH]` against DATABASE_URL: walks the audit trail's hash
// chain. Prints the rows checked and the head (record it elsewhere and pass it as --anchor later
// to detect rows cut from the end), or the first bad row and why, and exits 1.
import { parseArgs } from 'node:util';
import { loadConfig, requireDatabaseUrl } from '../config';
import { createDb } from '../db';
import { verifyAuditChain } from '../db/audit';

async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { anchor: { type: 'string' } } });
  let anchor: { id: number; hash: string } | undefined;
  if (values.anchor !== undefined) {
    const m = /^([1-9]\d{0,15}):([0-9a-f]{64})$/.exec(values.anchor);
    if (!m) {
      console.error('--anchor must be ID:HASH as printed by an earlier run (e.g. 42:3f9a…)');
      return 2;
    }
    anchor = { id: Number(m[1]), hash: m[2] };
  }
  const db = createDb(requireDatabaseUrl(loadConfig()), { pool: 1 });
  try {
    const r = await verifyAuditChain(db, { anchor });
    if (!r.ok) {
      console.error(`audit trail NOT OK: row ${r.problem!.id}: ${r.problem!.reason} (${r.rows} rows before it verified)`);
      return 1;
    }
    console.log(`audit trail OK: ${r.rows} rows verified${r.head ? `; head ${r.head.id}:${r.head.hash}` : ''}`);
    return 0;
  } finally {
    await db.destroy();
  }
}

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
