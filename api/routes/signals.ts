import { Router, type Response } from 'express';
import type { Db } from '../../db';
import { getSignal } from '../../db/signals';
import { maySendAnalysis, mayTouchCustomer } from '../../domain/access';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../domain/errors';
import { allow, assertCustomerAccess, principalOf } from '../auth';
import { parse } from '../errors';
import { coalescing, createIngest } from '../ingest';
import type { JourneyGateway } from '../journeys';
import type { OccurredAtBounds } from '../../domain/input-limits';
import { signalSchemas, type SignalBody } from '../schemas';

/**
 * The caller may send for these customers, and upstream scores only if trusted with them; a batch
 * with one refused item is refused whole (nothing recorded).
 */
function checkCaller(res: Response, bodies: SignalBody[], prefix = ''): void {
  const p = principalOf(res);
  const one = bodies.length === 1 && !prefix;
  const at = (i: number, f: string) => (one ? f : `${prefix}${i}.${f}`);
  bodies.forEach((b, i) => assertCustomerAccess(res, b.customerId, at(i, 'customerId')));
  const scored = bodies.findIndex((b) => b.analysis !== undefined);
  if (scored !== -1 && !maySendAnalysis(p)) {
    throw new ForbiddenError(`the key "${p.name}" may not send upstream scores`, [
      { field: at(scored, 'analysis'), reason: 'upstream scores need a key created with upstreamAnalysis: true' },
    ]);
  }
}

const conflictError = (id: string) => ({
  code: 'idempotency_conflict',
  message: `signal id ${id} was already accepted with a different payload`,
  details: [{ field: 'id', reason: 'already used for another payload' }],
});

export function createSignalsRouter({
  db,
  journeys,
  maxBatchSize,
  occurredAt,
}: {
  db: Db;
  journeys: JourneyGateway;
  maxBatchSize: number;
  /** Default: DEFAULT_OCCURRED_AT_BOUNDS. */
  occurredAt?: OccurredAtBounds;
}) {
  const router = Router();
  const { SignalSchema, SignalBatchSchema } = signalSchemas(occurredAt);

  const accept = createIngest({ db, journeys });
  // Single signals arriving together are written together; a batch is one write already.
  const acceptOne = coalescing(accept);

  router.post('/', allow('ingest'), async (req, res) => {
    const body = parse(SignalSchema, req.body);
    checkCaller(res, [body]);
    const { records, statuses } = await acceptOne([body]);
    const { signal, workflowId } = records[0];
    if (statuses[0] === 'conflict') {
      res.status(409).json({ error: conflictError(signal.id) });
      return;
    }
    res.status(202).json({ signalId: signal.id, workflowId, duplicate: statuses[0] === 'duplicate' });
  });

  router.post('/batch', allow('ingest'), async (req, res) => {
    const { signals } = parse(SignalBatchSchema, req.body);
    checkCaller(res, signals, 'signals.');
    if (signals.length > maxBatchSize) {
      throw new InvalidInputError('batch too large', [{ field: 'signals', reason: `at most ${maxBatchSize} signals per batch, got ${signals.length}` }]);
    }
    const { records, statuses } = await accept(signals);
    const items = records.map(({ signal, workflowId }, index) =>
      statuses[index] === 'conflict'
        ? { index, status: 409, signalId: signal.id, error: conflictError(signal.id) }
        : { index, status: 202, signalId: signal.id, workflowId, duplicate: statuses[index] === 'duplicate' },
    );
    res.status(202).json({
      accepted: statuses.filter((s) => s === 'accepted').length,
      duplicates: statuses.filter((s) => s === 'duplicate').length,
      conflicts: statuses.filter((s) => s === 'conflict').length,
      items,
    });
  });

  router.get('/:id', allow('operator'), async (req, res) => {
    const found = await getSignal(db, req.params.id);
    // A key limited to some customers learns nothing of the others' signals, not even that they exist.
    if (!found || !mayTouchCustomer(principalOf(res), found.signal.customerId)) throw new NotFoundError('signal', req.params.id);
    res.json(found);
  });

  return router;
}
