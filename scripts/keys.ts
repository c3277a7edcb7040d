// `npm run keys -- create|list|revoke` against DATABASE_URL: the same keys as POST/GET/DELETE /v1/keys.
//   npm run keys -- create --role operator --name "anna@care" [--customers c-1,c-2] [--upstream-analysis]
//   npm run keys -- list
//   npm run keys -- revoke <id>
import { parseArgs } from 'node:util';
import { ApiKeyRequestSchema } from '../api/routes/keys';
import { loadConfig, requireDatabaseUrl } from '../config';
import { createDb, migrate } from '../db';
import { createApiKey, listApiKeys, revokeApiKey } from '../db/api-keys';
import { appendAudit, keyAuditData } from '../db/audit';

const USAGE = `usage:
  npm run keys -- create --role ingest|operator|admin --name NAME [--customers ID,ID…] [--upstream-analysis]
  npm run keys -- list
  npm run keys -- revoke KEY_ID`;

async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { role: { type: 'string' }, name: { type: 'string' }, customers: { type: 'string' }, 'upstream-analysis': { type: 'boolean' } },
  });
  const [command, ...rest] = positionals;
  if (!['create', 'list', 'revoke'].includes(command ?? '')) {
    console.error(USAGE);
    return 2;
  }
  const db = createDb(requireDatabaseUrl(loadConfig()), { pool: 1 });
  try {
    await migrate(db);
    const actor = `cli:${process.env.USER ?? 'unknown'}`;
    if (command === 'create') {
      const parsed = ApiKeyRequestSchema.safeParse({
        role: values.role,
        name: values.name,
        ...(values.customers ? { customerIds: values.customers.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
        ...(values['upstream-analysis'] ? { upstreamAnalysis: true } : {}),
      });
      if (!parsed.success) {
        for (const i of parsed.error.issues) console.error(`--${i.path[0] === 'customerIds' ? 'customers' : String(i.path[0] ?? '')}: ${i.message}`);
        console.error(USAGE);
        return 2;
      }
      const { apiKey, key } = await db.transaction(async (trx) => {
        const made = await createApiKey(trx, { ...parsed.data, createdBy: actor });
        await appendAudit(trx, [{ actor, action: 'key.created', subject: null, data: keyAuditData(made.apiKey) }]);
        return made;
      });
      console.log(JSON.stringify({ ...apiKey, key }, null, 2));
      console.error('The key is shown this once; only its hash is kept.');
    } else if (command === 'list') {
      for (const k of await listApiKeys(db)) {
        const scope = k.customerIds ? `${k.customerIds.length} customer(s)` : 'all customers';
        console.log([k.id, k.role.padEnd(8), k.prefix + '…', k.revokedAt ? `revoked ${k.revokedAt}` : 'active', scope, JSON.stringify(k.name)].join('  '));
      }
    } else {
      const id = rest[0];
      if (!id || !/^[0-9a-f-]{36}$/i.test(id)) {
        console.error(USAGE);
        return 2;
      }
      const k = await db.transaction(async (trx) => {
        const active = await trx('api_keys').where({ id }).whereNull('revoked_at').first('id');
        const revoked = await revokeApiKey(trx, id);
        if (revoked && active) await appendAudit(trx, [{ actor, action: 'key.revoked', subject: null, data: keyAuditData(revoked) }]);
        return revoked;
      });
      if (!k) {
        console.error(`no key ${id}`);
        return 1;
      }
      console.log(`revoked ${k.id} (${k.role}, ${JSON.stringify(k.name)}) at ${k.revokedAt}`);
    }
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
