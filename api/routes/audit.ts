// The audit trail for admins: a page of it, or all of it as JSON lines (README "Audit trail").
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { auditRows, listAudit, type AuditFilter, type AuditTrail } from '../../db/audit';
import { allow, assertCustomerAccess, customerScope } from '../auth';
import { parse } from '../errors';
import type { Logger } from '../logger';
import { customerIdSchema } from '../schemas';

/** An ISO-8601 instant that names a real day (no 2026-02-31), as an ISO string in UTC. */
const instant = z.iso
  .datetime({ offset: true })
  .refine((v) => {
    const [y, m, d] = v.slice(0, 10).split('-').map(Number);
    return new Date(Date.UTC(y, m - 1, d)).getUTCDate() === d && Number.isFinite(Date.parse(v));
  }, 'must be a real instant')
  .transform((v) => new Date(v).toISOString());

export const AuditQuerySchema = z.strictObject({
  customerId: customerIdSchema.optional().describe('Only entries about this customer (looked up by its pseudonym).'),
  from: instant.optional().describe('Entries at or after this instant (ISO-8601).'),
  to: instant.optional().describe('Entries at or before this instant (ISO-8601).'),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().max(200).optional(),
});
const ExportQuerySchema = AuditQuerySchema.omit({ limit: true, cursor: true });

export function createAuditRouter({ db, audit, log }: { db: Db; audit: AuditTrail; log: Logger }) {
  const router = Router();
  router.use(allow('admin'));

  /** The query as a filter on pseudonyms; a key limited to some customers sees only theirs. */
  function filterOf(res: Response, q: z.infer<typeof ExportQuerySchema>): AuditFilter {
    if (q.customerId !== undefined) assertCustomerAccess(res, q.customerId, 'customerId');
    const scope = q.customerId !== undefined ? [q.customerId] : customerScope(res);
    return { subjects: scope?.map((id) => audit.subjectOf(id)), from: q.from, to: q.to };
  }

  router.get('/', async (req, res) => {
    const { limit, cursor, ...q } = parse(AuditQuerySchema, req.query, 'query');
    res.json(await listAudit(db, filterOf(res, q), limit, cursor));
  });

  // One JSON object per line, oldest first, read a page at a time: any size, constant memory.
  router.get('/export', async (req, res) => {
    const filter = filterOf(res, parse(ExportQuerySchema, req.query, 'query'));
    res.status(200).type('application/x-ndjson').set('Content-Disposition', 'attachment; filename="audit.jsonl"');
    try {
      for await (const row of auditRows(db, filter)) {
        if (res.destroyed) return;
        if (!res.write(`${JSON.stringify(row)}\n`)) await drained(res);
      }
      res.end();
    } catch (err) {
      // The status is sent already: cut the stream short so the client sees it is incomplete.
      log.error({ err }, 'audit export failed');
      res.destroy(err as Error);
    }
  });

  return router;
}

/** The client took what was written, or went away. */
function drained(res: Response): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
