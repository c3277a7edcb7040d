// The delivery sweep's claims: concurrent sweepers never take the same row, and a row that keeps
// failing waits longer each time.
import { randomUUID } from 'node:crypto';
import { expect } from 'chai';
import { claimDueSignals, markDeliveryFailed } from '../../db/signals';
import { h } from '../harness';

describe('delivery sweep claims', () => {
  const run = randomUUID().slice(0, 8);
  const ids = Array.from({ length: 10 }, (_, i) => `claim-${run}-${i}`);
  before(async () => {
    // Received long ago: the oldest pending rows, so the claims below take these and nothing else.
    await h().db('signals').insert(
      ids.map((id, i) => ({
        id,
        customer_id: `claim-${run}`,
        type: 'feedback',
        occurred_at: new Date(),
        received_at: new Date(Date.UTC(2000, 0, 1, 0, 0, i)),
        payload_hash: 'x',
        workflow_id: `customer-journey/claim-${run}`,
      })),
    );
  });
  after(async () => {
    await h().db('signals').whereIn('id', ids).del();
  });

  it('two sweepers claiming at once get disjoint pages; a claimed row is not due again during its lease', async () => {
    const [a, b] = await Promise.all([claimDueSignals(h().db, 0, 5, 60_000), claimDueSignals(h().db, 0, 5, 60_000)]);
    const got = [...a, ...b].map((d) => d.signal.id);
    expect(new Set(got).size, 'no row in both pages').to.equal(got.length);
    expect([...got].sort()).to.deep.equal([...ids].sort());
    const rows = await h().db('signals').whereIn('id', ids);
    for (const r of rows) expect(new Date(r.next_attempt_at).getTime()).to.be.greaterThan(Date.now() + 50_000);
  });

  it('each failed attempt doubles the wait before the next one', async () => {
    const id = ids[0];
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      await markDeliveryFailed(h().db, [id], 'unavailable');
      const r = await h().db('signals').where({ id }).first(h().db.raw('extract(epoch from next_attempt_at - now()) as wait'), 'delivery_attempts');
      waits.push(Math.round(Number(r.wait)));
    }
    expect(waits).to.deep.equal([1, 2, 4, 8]);
    await h().db('signals').where({ id }).update({ delivery_attempts: 40 });
    await markDeliveryFailed(h().db, [id], 'unavailable');
    const r = await h().db('signals').where({ id }).first(h().db.raw('extract(epoch from next_attempt_at - now()) as wait'));
    expect(Math.round(Number(r.wait)), 'capped').to.equal(300);
  });
});
