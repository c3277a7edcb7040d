import { Router } from 'express';
import type { Db } from '../../db';
import { getSignal } from '../../db/signals';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import { parse } from '../errors';
import { createIngest } from '../ingest';
import type { JourneyGateway } from '../journeys';
import { SignalBatchSchema, SignalSchema } from '../schemas';

const conflictError = (id: string) => ({
  code: 'idempotency_conflict',
  message: `signal id ${id} was already accepted with a different payload`,
  details: [{ field: 'id', reason: 'already used for another payload' }],
});

export function createSignalsRouter({ db, journeys, maxBatchSize }: { db: Db; journeys: JourneyGateway; maxBatchSize: number }) {
  const router = Router();

  const accept = createIngest({ db, journeys });

  router.post('/', async (req, res) => {
    const body = parse(SignalSchema, req.body);
    const { records, statuses } = await accept([body]);
    const { signal, workflowId } = records[0];
    if (statuses[0] === 'conflict') {
      res.status(409).json({ error: conflictError(signal.id) });
      return;
    }
    res.status(202).json({ signalId: signal.id, workflowId, duplicate: statuses[0] === 'duplicate' });
  });

  router.post('/batch', async (req, res) => {
    const { signals } = parse(SignalBatchSchema, req.body);
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

  router.get('/:id', async (req, res) => {
    const found = await getSignal(db, req.params.id);
    if (!found) throw new NotFoundError('signal', req.params.id);
    res.json(found);
  });

  return router;
}
