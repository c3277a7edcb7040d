import { createHash } from 'node:crypto';

/** The same dedup id always gives the same alert id, so a retried activity cannot create a second alert. */
export function alertIdFor(dedupId: string): string {
  const h = createHash('sha256').update(dedupId).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}
