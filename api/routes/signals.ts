import { createHash, randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Db } from '../../db';
import { getSignal, recordSignals, type AcceptStatus, type SignalToRecord } from '../../db/signals';
import { InvalidInputError, NotFoundError } from '../../domain/errors';
import { journeyWorkflowId } from '../../domain/messages';
import type { CustomerSignal } from '../../domain/types';
import { parse } from '../errors';
import type { JourneyGateway } from '../journeys';
import { SignalBatchSchema, SignalSchema, type SignalBody } from '../schemas';

/** Stable JSON (sorted keys): the same payload always hashes the same. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

function toRecord(body: SignalBody, receivedAt: string): SignalToRecord {
  const signal: CustomerSignal = {
    id: body.id ?? randomUUID(),
    customerId: body.customerId,
    type: body.type,
    channel: body.channel ?? null,
    text: body.text ?? null,
    language: body.language ?? null,
    occurredAt: body.occurredAt ? new Date(body.occurredAt).toISOString() : receivedAt,
    location: body.location ?? null,
    rootCause: body.rootCause ?? null,
    analysis: body.analysis ?? null,
    metadata: body.metadata ?? null,
  };
  return { signal, payloadHash: createHash('sha256').update(canonical(body)).digest('hex'), workflowId: journeyWorkflowId(body.customerId) };
}

const conflictError = (id: string) => ({
  code: 'idempotency_conflict',
  message: `signal id ${id} was already accepted with a different payload`,
  details: [{ field: 'id', reason: 'already used for another payload' }],
});

export function createSignalsRouter({ db, journeys, maxBatchSize }: { db: Db; journeys: JourneyGateway; maxBatchSize: number }) {
  const router = Router();

  async function accept(bodies: SignalBody[]): Promise<{ records: SignalToRecord[]; statuses: AcceptStatus[] }> {
    const now = new Date().toISOString();
    const records = bodies.map((b) => toRecord(b, now));
    const statuses = await recordSignals(db, records);
    // Only newly accepted signals go to Temporal now; duplicates were delivered (or are pending) already.
    journeys.deliverSoon(records.filter((_, i) => statuses[i] === 'accepted'));
    return { records, statuses };
  }

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
