// Outreach policy: when to reach out, on which channel, when not to, and what an answer means.
// Pure (Intl is available in the workflow sandbox and deterministic for a given instant).
import type { AlertType, RiskTier, Severity } from './types';

export interface QuietHours {
  /** Local time of day (seconds after midnight) when quiet hours start, e.g. 21:00 = 75600. */
  startSec: number;
  /** Local time of day when they end; smaller than start means they span midnight. */
  endSec: number;
}

/** Everything the journey and the outreach workflow need to decide; travels in their inputs. */
export interface OutreachPolicy {
  /** A batch whose latest signal has one of these tiers starts outreach. */
  triggerTiers: RiskTier[];
  /** … so does a batch that opened one of these alerts. */
  triggerAlerts: AlertType[];
  quietHours: QuietHours | null;
  /** Used when the customer has no time zone in their profile. */
  defaultTimeZone: string;
  /** How long a survey link is valid and the outreach waits for an answer. */
  surveyDeadlineMs: number;
  /** One reminder this long after the survey, when it is still unanswered (0: no reminder). */
  reminderAfterMs: number;
  /** At most maxSurveys survey invitations per customer within surveyWindowMs … */
  maxSurveys: number;
  surveyWindowMs: number;
  /** … and at most maxMessagesPerWeek messages of any kind in 7 days. */
  maxMessagesPerWeek: number;
  /** After a skipped start, the journey asks again no sooner than this. */
  recheckMs: number;
  escalation: {
    /** An unacknowledged escalation notifies the next level of the chain after this long. */
    renotifyMs: number;
    /** Who is notified at each level; the first at escalation, each next one after renotifyMs. */
    chain: string[];
  };
}

export const DEFAULT_OUTREACH_POLICY: OutreachPolicy = {
  triggerTiers: ['high', 'critical'],
  triggerAlerts: ['churn_signal'],
  quietHours: { startSec: 21 * 3600, endSec: 8 * 3600 },
  defaultTimeZone: 'Europe/Berlin',
  surveyDeadlineMs: 72 * 3600_000,
  reminderAfterMs: 48 * 3600_000,
  maxSurveys: 1,
  surveyWindowMs: 14 * 24 * 3600_000,
  maxMessagesPerWeek: 3,
  recheckMs: 3600_000,
  escalation: { renotifyMs: 4 * 3600_000, chain: ['care-team', 'team-lead', 'head-of-care'] },
};

/** "21:00-08:00" (or with seconds) → QuietHours; "" or "off" → null. */
export function parseQuietHours(spec: string): QuietHours | null {
  const s = spec.trim().toLowerCase();
  if (s === '' || s === 'off' || s === 'none') return null;
  const m = /^(\d{1,2}):(\d{2})(?::(\d{2}))?\s*-\s*(\d{1,2}):(\d{2})(?::(\d{2}))?$/.exec(s);
  if (!m) throw new Error(`quiet hours must look like 21:00-08:00, got "${spec}"`);
  const sec = (h: string, mi: string, se?: string) => {
    const v = Number(h) * 3600 + Number(mi) * 60 + Number(se ?? 0);
    if (Number(h) > 23 || Number(mi) > 59 || Number(se ?? 0) > 59) throw new Error(`not a time of day in "${spec}"`);
    return v;
  };
  const q = { startSec: sec(m[1], m[2], m[3]), endSec: sec(m[4], m[5], m[6]) };
  return q.startSec === q.endSec ? null : q;
}

export function isValidTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/** Seconds after local midnight of `atMs` in `timeZone`. */
export function localSecondOfDay(atMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(atMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  return get('hour') * 3600 + get('minute') * 60 + get('second');
}

export function inQuietHours(atMs: number, timeZone: string, q: QuietHours | null): boolean {
  if (!q) return false;
  const s = localSecondOfDay(atMs, timeZone);
  return q.startSec < q.endSec ? s >= q.startSec && s < q.endSec : s >= q.startSec || s < q.endSec;
}

/**
 * How long to wait from `atMs` until quiet hours are over in `timeZone` (0 when not in them).
 * Re-checked after each step, so a clock change inside the window never ends them early.
 */
export function msUntilQuietHoursEnd(atMs: number, timeZone: string, q: QuietHours | null): number {
  if (!q || !inQuietHours(atMs, timeZone, q)) return 0;
  let t = atMs;
  for (let i = 0; i < 4 && inQuietHours(t, timeZone, q); i++) {
    const s = localSecondOfDay(t, timeZone);
    const ahead = (q.endSec - s + 86_400) % 86_400 || 86_400;
    t += ahead * 1000;
    // A clock change on the way moved local time: land on the local end time itself.
    const drift = ((((localSecondOfDay(t, timeZone) - q.endSec) % 86_400) + 86_400 + 43_200) % 86_400) - 43_200;
    if (drift !== 0 && !inQuietHours(t - drift * 1000, timeZone, q)) t -= drift * 1000;
  }
  return t - atMs;
}

export interface ContactProfile {
  phone: string | null;
  email: string | null;
  consents: { sms: boolean; email: boolean; analysis: boolean };
  smsOptedOut: boolean;
}

export type Channel = 'sms' | 'email';

/** SMS first (consented, not opted out by STOP, a phone number); then email; else nobody to write to. */
export function chooseChannel(p: ContactProfile): Channel | null {
  if (p.phone && p.consents.sms && !p.smsOptedOut) return 'sms';
  if (p.email && p.consents.email) return 'email';
  return null;
}

export interface SentMessage {
  at: number;
  kind: 'survey' | 'reminder';
}

export type PressureVerdict = { ok: true } | { ok: false; reason: 'survey_fatigue' | 'weekly_message_limit' };

/** The contact-pressure budget, checked before every message. */
export function checkContactPressure(sent: SentMessage[], kind: SentMessage['kind'], nowMs: number, p: OutreachPolicy): PressureVerdict {
  const week = sent.filter((m) => nowMs - m.at < 7 * 24 * 3600_000).length;
  if (week >= p.maxMessagesPerWeek) return { ok: false, reason: 'weekly_message_limit' };
  if (kind === 'survey') {
    const surveys = sent.filter((m) => m.kind === 'survey' && nowMs - m.at < p.surveyWindowMs).length;
    if (surveys >= p.maxSurveys) return { ok: false, reason: 'survey_fatigue' };
  }
  return { ok: true };
}

export type NpsClass = 'detractor' | 'passive' | 'promoter';

export function classifyNps(score: number): NpsClass {
  if (!Number.isInteger(score) || score < 0 || score > 10) throw new RangeError(`NPS score must be an integer 0-10, got ${score}`);
  return score <= 6 ? 'detractor' : score <= 8 ? 'passive' : 'promoter';
}

/** What an answer leads to: detractors escalate, promoters close the loop, passives close quietly. */
export function nextStepFor(score: number | null): 'escalate' | 'recovered' | 'neutral' {
  if (score === null) return 'escalate';
  const c = classifyNps(score);
  return c === 'detractor' ? 'escalate' : c === 'promoter' ? 'recovered' : 'neutral';
}

/** Sentiment in [-1, 1] implied by an NPS score, used when the answer has no comment to analyse. */
export const npsSentiment = (score: number) => Math.max(-1, Math.min(1, (score - 5) / 5));

export interface TriggerInput {
  tier: RiskTier | null;
  newAlertTypes: AlertType[];
  openAlertTypes: AlertType[];
}

/** Whether a processed batch calls for outreach, and why (or why not). */
export function outreachTrigger(t: TriggerInput, p: OutreachPolicy): { start: true; reason: string } | { start: false; reason: string } {
  if (t.openAlertTypes.includes('legal_threat') || t.newAlertTypes.includes('legal_threat')) return { start: false, reason: 'legal_threat_open' };
  const alert = t.newAlertTypes.find((a) => p.triggerAlerts.includes(a));
  if (alert) return { start: true, reason: `alert:${alert}` };
  if (t.tier && p.triggerTiers.includes(t.tier)) return { start: true, reason: `tier:${t.tier}` };
  return { start: false, reason: 'below_policy' };
}

/** What a journey asks for when a batch calls for outreach (the beginOutreach input). */
export interface OutreachAsk {
  customerId: string;
  journeyWorkflowId: string;
  /** The signal that triggered it: a retried start finds the row it made. */
  triggerSignalId: string;
  reason: string;
  evidence: { signalIds: string[]; tier: RiskTier | null; score: number | null };
  policy: OutreachPolicy;
}

/**
 * Whether the batch just processed calls for outreach under the policy: what to ask for, or null.
 * `state` is the journey's state after the batch, `alertIds` the batch's alerts (new or repeated).
 */
export function outreachAsk(
  batch: { customerId: string; journeyWorkflowId: string; signalIds: string[]; alertIds: string[] },
  state: { last: { signalId: string; tier: RiskTier; score: number } | null; openAlerts: { id: string; type: AlertType }[] },
  policy: OutreachPolicy,
): OutreachAsk | null {
  const fresh = new Set(batch.alertIds);
  const last = state.last;
  const latestInBatch = last !== null && batch.signalIds.includes(last.signalId);
  const trigger = outreachTrigger(
    {
      tier: latestInBatch ? last.tier : null,
      newAlertTypes: state.openAlerts.filter((a) => fresh.has(a.id)).map((a) => a.type),
      openAlertTypes: state.openAlerts.map((a) => a.type),
    },
    policy,
  );
  if (!trigger.start || batch.signalIds.length === 0) return null;
  return {
    customerId: batch.customerId,
    journeyWorkflowId: batch.journeyWorkflowId,
    triggerSignalId: batch.signalIds[batch.signalIds.length - 1],
    reason: trigger.reason,
    evidence: { signalIds: batch.signalIds.slice(-20), tier: last?.tier ?? null, score: last?.score ?? null },
    policy,
  };
}

export const SF_PRIORITY: Readonly<Record<Severity, 'Low' | 'Medium' | 'High'>> = {
  low: 'Low',
  medium: 'Medium',
  high: 'High',
  critical: 'High',
  crisis: 'High',
};

export type Locale = 'de' | 'en';
export const localeOf = (l: string | null | undefined): Locale => (l?.toLowerCase().startsWith('de') ? 'de' : 'en');

/**
 * The only part of a profile's free-text name that may go into a message: its first word, if that is
 * a plausible first name (Unicode letters, inner hyphens or apostrophes, at most 30 characters).
 * Anything else (links, digits, emoji, markup, control characters) gives no name at all.
 */
export function firstNameOf(name: string | null | undefined): string | null {
  const first = name?.normalize('NFC').trim().split(/\s+/u)[0];
  if (!first || [...first].length > 30) return null;
  return /^(?:\p{L}\p{M}*)+(?:['’-](?:\p{L}\p{M}*)+)*$/u.test(first) ? first : null;
}

export function surveyMessage(locale: Locale, fullName: string | null, link: string): string {
  const name = firstNameOf(fullName);
  return locale === 'de'
    ? `Hallo${name ? ` ${name}` : ''}, es tut uns leid, dass bei Ihnen zuletzt nicht alles rund lief. Wie zufrieden sind Sie mit uns? 1 Minute: ${link}`
    : `Hi${name ? ` ${name}` : ''}, we're sorry things haven't gone well for you lately. How likely are you to recommend us? 1 minute: ${link}`;
}

export function reminderMessage(locale: Locale, fullName: string | null, link: string): string {
  const name = firstNameOf(fullName);
  return locale === 'de'
    ? `Hallo${name ? ` ${name}` : ''}, Ihre Meinung hilft uns, es besser zu machen. Die Umfrage ist noch offen: ${link}`
    : `Hi${name ? ` ${name}` : ''}, your view helps us fix things. The survey is still open: ${link}`;
}

export const HELP_TEXT: Readonly<Record<Locale, string>> = {
  en: 'Customer care: reply STOP to stop messages, UNSTOP to receive them again. Questions? Just reply to this message.',
  de: 'Kundenservice: Antworten Sie STOP, um keine Nachrichten mehr zu erhalten, UNSTOP, um sie wieder zu erhalten. Fragen? Antworten Sie einfach.',
};

/** Carrier-standard opt-out/in/help keywords (the whole message, case-insensitive). */
export function smsKeyword(body: string): 'stop' | 'start' | 'help' | null {
  const w = body.trim().toUpperCase();
  if (['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'STOPP'].includes(w)) return 'stop';
  if (['START', 'UNSTOP', 'YES'].includes(w)) return 'start';
  if (['HELP', 'INFO', 'HILFE'].includes(w)) return 'help';
  return null;
}

/** A reply that is just a number 0-10 answers the open survey. */
export function npsFromReply(body: string): number | null {
  const m = /^\s*(\d{1,2})\s*$/.exec(body);
  if (!m) return null;
  const n = Number(m[1]);
  return n <= 10 ? n : null;
}
