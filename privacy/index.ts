import type { Db } from '../db';
import { CustomerKeyCodec } from './codec';
import { DataKeyStore, type MasterKey } from './data-keys';

export { CustomerKeyCodec } from './codec';
export { customerSubject } from './subjects';

/** The one codec of a process: its client, its worker and its codec endpoint share it (and its key cache). */
export function createCodec(db: Db, masterKeys: MasterKey[] | null): CustomerKeyCodec {
  if (!masterKeys) throw new Error('CODEC_MASTER_KEYS is not set');
  return new CustomerKeyCodec(new DataKeyStore(db, masterKeys));
}
