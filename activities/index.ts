// Activities are built over their dependencies; all wiring happens in worker/.
import type { TextAnalyzer } from '../analysis';
import { countSuppressed, insertAlerts, openAlertsOf } from '../db/alerts';
import { loadJourneySnapshot, saveJourneySnapshot } from '../db/customers';
import type { Db } from '../db';
import { analysesOf, saveAnalyses } from '../db/signals';
import { summarizeHistory, type HistoryEntry } from '../domain/history';
import { applySignal, emptySnapshot, type AlertDraft } from '../domain/journey';
import type { JourneySnapshot } from '../domain/messages';
import { assessRisk } from '../domain/risk';
import type { RuleThresholds } from '../domain/rules';
import type { CustomerSignal, SignalAnalysis } from '../domain/types';
import { alertIdFor } from './ids';

export { alertIdFor };

export interface ActivityDeps {
  db: Db;
  analyzer: TextAnalyzer;
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
}

export interface ProcessSignalsResult {
  state: JourneySnapshot;
  alertIds: string[];
  suppressed: number;
}

export function createActivities({ db, analyzer }: ActivityDeps) {
  return {
    /**
     * Analyses a batch of one customer's signals in order (each sees the ones before it),
     * evaluates the per-signal rules against the journey's cooldowns, and stores analyses and
     * alerts in one transaction. Idempotent: a retry reuses stored analyses and alert ids.
     */
    async processSignals(input: ProcessSignalsInput): Promise<ProcessSignalsResult> {
      let state = input.state ?? (await resume(db, input.customerId));
      const seen = new Set(state.recentSignalIds);
      const signals = input.signals.filter((s) => !seen.has(s.id) && (seen.add(s.id), true));
      const stored = await analysesOf(db, signals.map((s) => s.id));
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
      await db.transaction(async (trx) => {
        await saveAnalyses(trx, fresh);
        await insertAlerts(trx, alerts);
        for (const s of suppressions) await countSuppressed(trx, input.customerId, s.type, s.signalId);
      });
      return { state, alertIds: alerts.map((a) => a.id), suppressed: suppressions.length };
    },

    async saveJourneySnapshot(customerId: string, snapshot: JourneySnapshot): Promise<void> {
      await saveJourneySnapshot(db, customerId, snapshot);
    },
  };
}

/** The memory a previous run left, with open alerts as the database knows them now. */
async function resume(db: Db, customerId: string): Promise<JourneySnapshot> {
  const saved = await loadJourneySnapshot(db, customerId);
  if (!saved) return emptySnapshot();
  return { ...saved, openAlerts: await openAlertsOf(db, customerId) };
}
