import type { Db } from '../db';
import { ensureFirstAdminKey } from '../db/api-keys';

/**
 * Never open by default: the first start creates an admin key and prints it here, once (stdout,
 * not the JSON log); only its hash is kept. With ADMIN_API_KEY set, that value is the key.
 */
export async function announceFirstAdminKey(db: Db, adminApiKey: string | undefined, print: (text: string) => void = console.log): Promise<void> {
  const r = await ensureFirstAdminKey(db, adminApiKey);
  if (!r.created) return;
  const lines = r.key
    ? [
        'Created the first admin API key. It is shown this once; only its hash is kept:',
        `  ${r.key}`,
        '  Use it as `Authorization: Bearer <key>`; create keys for people and systems with POST /v1/keys or `npm run keys -- create`.',
      ]
    : ['Registered ADMIN_API_KEY as the first admin API key.'];
  print(lines.join('\n'));
}
