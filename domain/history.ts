import type { SignalType } from './types';

/** One past signal as the journey remembers it: enough to judge behaviour, no text. */
export interface HistoryEntry {
  at: number; // occurredAt, epoch ms
  type: SignalType;
  negative: boolean;
}

/** What the risk model needs to know about the customer's recent past. */
export interface RecentHistory {
  complaints7d: number; // negative text signals in the 7 days before this one
  tickets30d: number;
  failedPayments30d: number;
  sessionErrors24h: number;
}

const DAY = 24 * 3600 * 1000;
export const HISTORY_HORIZON_MS = 30 * DAY;
export const HISTORY_MAX_ENTRIES = 200;

export const EMPTY_HISTORY: RecentHistory = { complaints7d: 0, tickets30d: 0, failedPayments30d: 0, sessionErrors24h: 0 };

/** Summarizes the entries that happened before `now` (event time). */
export function summarizeHistory(entries: readonly HistoryEntry[], now: number): RecentHistory {
  const h = { ...EMPTY_HISTORY };
  for (const e of entries) {
    const age = now - e.at;
    if (age < 0 || age > HISTORY_HORIZON_MS) continue;
    if (e.negative && age <= 7 * DAY) h.complaints7d++;
    if (e.type === 'support_ticket') h.tickets30d++;
    if (e.type === 'payment_failed' || e.type === 'transaction_failed') h.failedPayments30d++;
    if (e.type === 'session_error' && age <= DAY) h.sessionErrors24h++;
  }
  return h;
}

/** Adds an entry and forgets what is older than the horizon or beyond the cap. */
export function rememberSignal(entries: readonly HistoryEntry[], entry: HistoryEntry): HistoryEntry[] {
  const newest = Math.max(entry.at, ...entries.map((e) => e.at));
  return [...entries, entry]
    .filter((e) => newest - e.at <= HISTORY_HORIZON_MS)
    .sort((a, b) => a.at - b.at)
    .slice(-HISTORY_MAX_ENTRIES);
}
