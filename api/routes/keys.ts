// API keys, managed by admins: create (the key is in this one answer only), list, revoke.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { createApiKey, listApiKeys, revokeApiKey } from '../../db/api-keys';
import { keyAuditData, type AuditTrail } from '../../db/audit';
import { ROLES } from '../../domain/access';
import { ConflictError, ForbiddenError, NotFoundError } from '../../domain/errors';
import { allow, principalOf, type KeyResolver } from '../auth';
import { parse } from '../errors';
import { customerIdSchema } from '../schemas';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const ApiKeyRequestSchema = z.strictObject({
  role: z.enum(ROLES),
  name: z
    .string()
    .regex(/^[\p{L}\p{N} ._@:+-]{1,100}$/u, 'must be 1-100 letters, digits, spaces or . _ @ : + -')
    .describe('Who or what holds the key; recorded as the actor of what it does (acknowledge, resolve).'),
  customerIds: z.array(customerIdSchema).min(1).max(10_000).optional().describe('Limit the key to these customers (object-level access).'),
  upstreamAnalysis: z.boolean().optional().describe('May send upstream scores (`analysis`) in signals; admin keys always may.'),
});

export function createKeysRouter({ db, resolver, audit }: { db: Db; resolver: KeyResolver; audit: AuditTrail }) {
  const router = Router();

  // Managing keys needs an admin key for every customer: a limited admin could otherwise widen its own reach.
  router.use(allow('admin'), (_req, res, next) => {
    next(principalOf(res).customerIds ? new ForbiddenError('managing keys needs an admin key that is not limited to some customers') : undefined);
  });

  router.post('/', async (req, res) => {
    const b = parse(ApiKeyRequestSchema, req.body);
    const actor = principalOf(res).name;
    const { apiKey, key } = await db.transaction(async (trx) => {
      const made = await createApiKey(trx, { ...b, createdBy: actor });
      await audit.record(trx, [{ actor, action: 'key.created', data: keyAuditData(made.apiKey) }]);
      return made;
    });
    res.status(201).location(`/v1/keys/${apiKey.id}`).json({ ...apiKey, key });
  });

  router.get('/', async (_req, res) => {
    res.json({ items: await listApiKeys(db), nextCursor: null });
  });

  router.delete('/:id', async (req, res) => {
    const id = req.params.id;
    if (!UUID.test(id)) throw new NotFoundError('key', id);
    const key = (await listApiKeys(db)).find((k) => k.id === id);
    if (!key) throw new NotFoundError('key', id);
    if (!key.revokedAt && key.role === 'admin') {
      const admins = (await db('api_keys').where({ role: 'admin' }).whereNull('revoked_at').whereNull('customer_ids').count({ n: '*' }).first())?.n;
      if (Number(admins) <= 1 && !key.customerIds) {
        throw new ConflictError('conflict', 'this is the last admin key; create another admin key before revoking it', [{ field: 'id', reason: 'is the last admin key' }]);
      }
    }
    const revoked = await db.transaction(async (trx) => {
      const r = await revokeApiKey(trx, id);
      if (r && !key.revokedAt) await audit.record(trx, [{ actor: principalOf(res).name, action: 'key.revoked', data: keyAuditData(r) }]);
      return r;
    });
    resolver.forget(id);
    res.json(revoked);
  });

  return router;
}
