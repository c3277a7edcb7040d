import type { Db } from '.';
import type { JourneySnapshot } from '../domain/messages';

export async function saveJourneySnapshot(db: Db, customerId: string, snapshot: JourneySnapshot): Promise<void> {
  await db('customers')
    .insert({ id: customerId, journey_snapshot: JSON.stringify(snapshot) })
    .onConflict('id')
    .merge({ journey_snapshot: JSON.stringify(snapshot), updated_at: db.fn.now() });
}

export async function loadJourneySnapshot(db: Db, customerId: string): Promise<JourneySnapshot | null> {
  const row = await db('customers').where({ id: customerId }).first('journey_snapshot');
  return row?.journey_snapshot ?? null;
}
