// Activities are built over their dependencies; all wiring happens in worker/.
import type { TextAnalyzer } from '../analysis';
import { countSuppressions, insertAlerts, openAlertsOf, type Alert } from '../db/alerts';
import { AuditTrail, DEV_PSEUDONYM_SECRET, type AuditEvent } from '../db/audit';
import { loadJourneySnapshot, saveJourneySnapshot } from '../db/customers';
import type { Db } from '../db';
import { evaluateSegment } from '../db/segments';
import { batchContextOf, saveAnalyses, withholdAnalysis } from '../db/signals';
import { RECOMMENDED_ACTIONS } from '../domain/actions';
import { NO_ANALYSIS_CONSENT } from '../domain/consent';
import { summarizeHistory, type HistoryEntry } from '../domain/history';
import { applySignal, emptySnapshot, skipSignal, snapshotChange, type AlertDraft, type SnapshotChange } from '../domain/journey';
import type { JourneySnapshot } from '../domain/messages';
import { assessRisk } from '../domain/risk';
import { SEVERITY_BY_TYPE, type RuleThresholds } from '../domain/rules';
import type { CustomerSignal, SignalAnalysis } from '../domain/types';
import { alertIdFor } from './ids';
import { beginOutreach, type BeginOutreachResult } from './outreach';
import { platformMetrics } from '../api/metrics';
import { outreachAsk, type OutreachPolicy } from '../domain/outreach';
import { countAnalysed, countFired } from './metrics';

export { alertIdFor };

export interface ActivityDeps {
  db: Db;
  analyzer: TextAnalyzer;
  /** Keys the customer pseudonyms of the audit trail (PSEUDONYM_SECRET); the API must use the same. */
  pseudonymSecret?: string;
  /** Alert types operators subscribe to (NOTIFY_ALERT_TYPES): the journey has each one notified. */
  notify?: { alertTypes: readonly string[] };
}

export type AnalyzedSignal = SignalAnalysis & { upstreamFields: string[] };

export function analyzeSignal(analyzer: TextAnalyzer, signal: CustomerSignal, history: HistoryEntry[]): AnalyzedSignal {
  const text = signal.text?.trim() ? analyzer.analyze(signal.text, signal.language ?? undefined) : null;
  const r = assessRisk({
    text,
    signalType: signal.type,
    channel: signal.channel,
    rootCause: signal.rootCause,
    history: summarizeHistory(history, Date.parse(signal.occurredAt)),
    upstream: signal.analysis,
  });
  return {
    language: text?.language ?? signal.language ?? null,
    sentiment: r.sentiment,
    label: r.label,
    rootCause: r.rootCause,
    legalThreat: r.legalThreat,
    risk: r.risk,
    score: r.score,
    tier: r.tier,
    contributions: r.contributions,
    modelVersion: text ? analyzer.modelVersion : 'behavior-only',
    source: r.upstreamFields.length > 0 ? 'upstream' : 'model',
    upstreamFields: r.upstreamFields,
  };
}

export interface ProcessSignalsInput {
  customerId: string;
  workflowId: string;
  thresholds: RuleThresholds;
  /** The journey's state; null on a new run, which then resumes from the saved snapshot. */
  state: JourneySnapshot | null;
  signals: CustomerSignal[];
  /**
   * Set when the journey may start an outreach now: the batch itself asks for one when it calls for
   * it (what the beginOutreach activity does, in the batch's transaction: one activity less).
   */
  outreachPolicy?: OutreachPolicy;
  /** Reply with the state's change (relative to `state`, or an empty one) rather than the whole state. */
  replyWithChange?: boolean;
}

export interface ProcessSignalsResult {
  state: JourneySnapshot;
  alertIds: string[];
  suppressed: number;
  /** The customer's risk segment after the batch (absent in histories from before segments). */
  segment?: string;
  /** Alerts of this batch of a subscribed type: the journey has them notified (absent when none). */
  notify?: string[];
  /** Asked (outreachPolicy given): the outreach decision, or null when the batch called for none. */
  outreach?: BeginOutreachResult | null;
}

/** What processSignals replies: the journey's state after the batch, or its change when asked for that. */
export type ProcessSignalsReply = Omit<ProcessSignalsResult, 'state'> & ({ state: JourneySnapshot } | { change: SnapshotChange });

/** Why a set-aside signal has no analysis (`analysisWithheld` in GET /v1/signals/:id). */
export const PROCESSING_FAILED = 'processing_failed';

export interface SetAsideSignalsInput {
  customerId: string;
  workflowId: string;
  state: JourneySnapshot | null;
  signals: CustomerSignal[];
  /** The last failure's message, for the operators' alert. */
  error: string;
}

export function createActivities({ db, analyzer, pseudonymSecret, notify }: ActivityDeps) {
  const subscribed = new Set(notify?.alertTypes ?? []);
  const secret = pseudonymSecret ?? DEV_PSEUDONYM_SECRET;
  const audit = new AuditTrail(secret);
  /**
   * Analyses a batch of one customer's signals in order (each sees the ones before it),
   * evaluates the per-signal rules against the journey's cooldowns, and stores analyses and
   * alerts in one transaction. Idempotent: a retry reuses stored analyses and alert ids.
   */
  async function processBatch(input: ProcessSignalsInput): Promise<ProcessSignalsResult> {
    const { consents, stored, receivedAt, snapshot } = await batchContextOf(db, input.customerId, input.signals.map((s) => s.id), input.state === null);
    let state = input.state ?? (await resume(db, input.customerId, snapshot));
    const seen = new Set(state.recentSignalIds);
    const signals = input.signals.filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
    // (Asked about outreach, these batches call for none.)
    const none = input.outreachPolicy ? { outreach: null } : {};
    if (signals.length === 0) return { state, alertIds: [], suppressed: 0, ...none };
    // Without consent to analysis, signals stay on record but are not analysed or judged.
    if (!consents.analysis) {
      let withheld: string[] = [];
      await db.transaction(async (trx) => {
        withheld = await withholdAnalysis(trx, signals.map((s) => s.id), NO_ANALYSIS_CONSENT);
        await audit.record(
          trx,
          withheld.map((id) => ({ actor: 'system', action: 'analysis.withheld' as const, customerId: input.customerId, data: { signal: audit.signalRef(id), reason: NO_ANALYSIS_CONSENT } })),
        );
      });
      for (const s of signals) state = skipSignal(state, s);
      countAnalysed(signals.filter((s) => withheld.includes(s.id)), 'analysis_withheld', NO_ANALYSIS_CONSENT);
      return { state, alertIds: [], suppressed: 0, ...none };
    }
    const fresh: { signalId: string; customerId: string; analysis: AnalyzedSignal }[] = [];
    const alerts: (AlertDraft & { id: string; workflowId: string })[] = [];
    const suppressions: { type: AlertDraft['type']; signalId: string }[] = [];
    for (const s of signals) {
      let analysis = stored.get(s.id);
      if (!analysis) {
        analysis = analyzeSignal(analyzer, s, state.history);
        fresh.push({ signalId: s.id, customerId: input.customerId, analysis });
      }
      const step = applySignal(state, s, analysis, input.thresholds, alertIdFor);
      state = step.state;
      alerts.push(...step.alerts.map((a) => ({ ...a, id: alertIdFor(a.dedupId), workflowId: input.workflowId })));
      suppressions.push(...step.suppressed);
    }
    let segment: string | undefined;
    let created: Alert[] = [];
    let counted: (string | null)[] = [];
    let outreach: BeginOutreachResult | null = null;
    let outreachSkipped: string | null = null;
    await db.transaction(async (trx) => {
      await saveAnalyses(trx, fresh);
      created = await insertAlerts(trx, alerts);
      counted = await countSuppressions(trx, input.customerId, suppressions);
      // The risk may have changed: judge the segment again (stored; audited below when it changed).
      const judged = await evaluateSegment(trx, input.customerId);
      segment = judged.segment;
      const ask = input.outreachPolicy
        ? outreachAsk({ customerId: input.customerId, journeyWorkflowId: input.workflowId, signalIds: input.signals.map((s) => s.id), alertIds: alerts.map((a) => a.id) }, state, input.outreachPolicy)
        : null;
      const begun = ask ? await beginOutreach(trx, ask, secret) : null;
      outreach = begun?.result ?? null;
      outreachSkipped = begun?.skipped ?? null;
      // Chained when the transaction commits (the audit lock is taken then); a retry records nothing
      // twice, as it finds the analyses stored, the alerts and suppressions counted and the segment set.
      await audit.record(trx, [...journeyAuditEvents(audit, input, signals, fresh, created, suppressions, counted), ...judged.events, ...(begun?.events ?? [])]);
    });
    if (outreachSkipped) platformMetrics.outreachWithheld.inc({ reason: outreachSkipped });
    // Counted after commit, once: a retry finds analyses stored, alerts existing and suppressions counted.
    countAnalysed(signals.filter((s) => fresh.some((f) => f.signalId === s.id)), 'analysed', null, receivedAt);
    countFired(created, suppressions.filter((_, i) => counted[i] !== null).map((x) => x.type));
    // All of the batch's alerts, not only the new ones: a retry after commit still notifies (once, by key).
    const toNotify = alerts.filter((a) => subscribed.has(a.type)).map((a) => a.id);
    return {
      state,
      alertIds: alerts.map((a) => a.id),
      suppressed: suppressions.length,
      segment,
      ...(toNotify.length ? { notify: toNotify } : {}),
      ...(input.outreachPolicy ? { outreach } : {}),
    };
  }

  return {
    /** processBatch, replying with the journey's next state or, when asked, its change from `input.state`. */
    async processSignals(input: ProcessSignalsInput): Promise<ProcessSignalsReply> {
      const { state, ...rest } = await processBatch(input);
      return input.replyWithChange ? { ...rest, change: snapshotChange(input.state ?? emptySnapshot(), state) } : { ...rest, state };
    },

    /**
     * Sets aside signals the journey could not process even one by one: kept for the record without
     * analysis (reason processing_failed), one processing_failed alert for operators, and counted by
     * the journey so its other signals go on. Idempotent: a retry withholds and alerts nothing twice.
     */
    async setAsideSignals(input: SetAsideSignalsInput): Promise<{ state: JourneySnapshot; alertId: string | null }> {
      let state = input.state ?? (await resume(db, input.customerId));
      const seen = new Set(state.recentSignalIds);
      const signals = input.signals.filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
      if (signals.length === 0) return { state, alertId: null };
      const ids = signals.map((s) => s.id);
      const dedupId = `${PROCESSING_FAILED}/${ids[0]}`;
      const alertId = alertIdFor(dedupId);
      let created: Alert[] = [];
      let withheld: string[] = [];
      await db.transaction(async (trx) => {
        withheld = await withholdAnalysis(trx, ids, PROCESSING_FAILED);
        created = await insertAlerts(trx, [
          {
            id: alertId,
            type: 'processing_failed',
            severity: SEVERITY_BY_TYPE.processing_failed,
            customerId: input.customerId,
            key: PROCESSING_FAILED,
            dedupId,
            workflowId: input.workflowId,
            recommendedAction: RECOMMENDED_ACTIONS.processing_failed,
            evidence: { signalIds: ids, error: input.error.slice(0, 500) },
            metadata: {},
          },
        ]);
        const base = { actor: 'system', customerId: input.customerId };
        await audit.record(trx, [
          ...withheld.map((id) => ({ ...base, action: 'analysis.withheld' as const, data: { signal: audit.signalRef(id), reason: PROCESSING_FAILED } })),
          ...created.map((a) => ({ ...base, action: 'alert.fired' as const, data: { alertId: a.id, rule: a.type, severity: a.severity, signal: audit.signalRef(ids[0]), reason: { signals: ids.length } } })),
        ]);
      });
      countAnalysed(signals.filter((s) => withheld.includes(s.id)), 'analysis_withheld', PROCESSING_FAILED);
      countFired(created, []);
      for (const s of signals) state = skipSignal(state, s);
      // Open like any other alert of the customer (OpenAlertTypes in the Web UI) until resolved.
      if (!state.openAlerts.some((a) => a.id === alertId)) state = { ...state, openAlerts: [...state.openAlerts, { id: alertId, type: 'processing_failed' }] };
      return { state, alertId };
    },

    async saveJourneySnapshot(customerId: string, snapshot: JourneySnapshot): Promise<void> {
      await saveJourneySnapshot(db, customerId, snapshot);
    },
  };
}

/** What the batch decided, per signal in order: its score, then the alerts it fired or that were suppressed. */
function journeyAuditEvents(
  audit: AuditTrail,
  input: ProcessSignalsInput,
  signals: CustomerSignal[],
  fresh: { signalId: string; analysis: AnalyzedSignal }[],
  created: Alert[],
  suppressions: { type: AlertDraft['type']; signalId: string }[],
  counted: (string | null)[],
): AuditEvent[] {
  const events: AuditEvent[] = [];
  const base = { actor: 'system', customerId: input.customerId };
  for (const s of signals) {
    const signal = audit.signalRef(s.id);
    const scored = fresh.find((f) => f.signalId === s.id)?.analysis;
    if (scored) {
      events.push({
        ...base,
        action: 'signal.scored',
        data: {
          signal,
          signalType: s.type,
          score: scored.score,
          tier: scored.tier,
          sentiment: scored.sentiment,
          label: scored.label,
          legalThreat: scored.legalThreat,
          rootCause: scored.rootCause,
          risk: scored.risk,
          // Factor names and weights only: the explanations may quote the customer's words.
          contributions: scored.contributions.map((c) => ({ factor: c.factor, weight: c.weight })),
          modelVersion: scored.modelVersion,
          source: scored.source,
          upstreamFields: scored.upstreamFields,
        },
      });
    }
    for (const a of created.filter((x) => x.evidence.signalIds[0] === s.id)) {
      events.push({ ...base, action: 'alert.fired', data: { alertId: a.id, rule: a.type, severity: a.severity, signal, reason: a.evidence.rule ?? null } });
    }
    suppressions.forEach((x, i) => {
      if (x.signalId !== s.id || counted[i] === null) return;
      events.push({
        ...base,
        action: 'alert.suppressed',
        data: { rule: x.type, reason: 'cooldown', cooldownMinutes: input.thresholds.cooldownMinutes, countedOnAlertId: counted[i], signal },
      });
    });
  }
  return events;
}

/** The memory a previous run left, with open alerts as the database knows them now. */
async function resume(db: Db, customerId: string, loaded?: JourneySnapshot | null): Promise<JourneySnapshot> {
  const saved = loaded === undefined ? await loadJourneySnapshot(db, customerId) : loaded;
  if (!saved) return emptySnapshot();
  return { ...saved, openAlerts: await openAlertsOf(db, customerId) };
}
