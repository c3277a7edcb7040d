// Measurement for `npm run evaluate`: confidence intervals, the frozen churn-intent and
// legal-threat test sets, and the churn rule end to end (analysis → risk → rules).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { assessRisk } from '../../domain/risk';
import { evaluatePerSignalRules } from '../../domain/rules';
import { rng } from '../training/split';
import { computeMetrics } from '../training/metrics';
import type { Language, SentimentLabel, TextAnalyzer } from '../types';

/** Wilson score interval (95 %) for k successes in n trials. */
export function wilson(k: number, n: number, z = 1.96): [number, number] {
  if (n === 0) return [0, 1];
  const p = k / n;
  const d = 1 + (z * z) / n;
  const c = p + (z * z) / (2 * n);
  const h = z * Math.sqrt((p * (1 - p)) / n + (z * z) / (4 * n * n));
  return [Math.max(0, (c - h) / d), Math.min(1, (c + h) / d)];
}

/** Percentile bootstrap (95 %, seeded, 1000 resamples) of macro-F1. */
export function bootstrapMacroF1(gold: readonly SentimentLabel[], pred: readonly SentimentLabel[], reps = 1000, seed = 11): [number, number] {
  const rand = rng(seed);
  const n = gold.length;
  const vals: number[] = [];
  const g: SentimentLabel[] = new Array(n);
  const p: SentimentLabel[] = new Array(n);
  for (let r = 0; r < reps; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(rand() * n);
      g[i] = gold[j];
      p[i] = pred[j];
    }
    vals.push(computeMetrics(g, p).macroF1);
  }
  vals.sort((a, b) => a - b);
  return [vals[Math.floor(0.025 * reps)], vals[Math.floor(0.975 * reps) - 1]];
}

const EVAL_DIR = path.resolve(__dirname);
function readJsonl<T>(file: string): T[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as T);
}

export interface IntentRow {
  language: Language;
  industry: string;
  intent: boolean;
  kind?: string;
  text: string;
}
export interface LegalRow {
  language: Language;
  threat: boolean;
  kind: string;
  text: string;
}

export const loadIntentSet = (which: 'frozen' | 'dev') => readJsonl<IntentRow>(path.join(EVAL_DIR, which, 'churn-intent.jsonl'));
export const loadLegalSet = () => readJsonl<LegalRow>(path.join(EVAL_DIR, 'frozen', 'legal-threat.jsonl'));

export interface Rate {
  k: number;
  n: number;
  rate: number;
  ci: [number, number];
}
const rate = (k: number, n: number): Rate => ({ k, n, rate: n ? k / n : 0, ci: wilson(k, n) });

export interface IntentReport {
  language: Language;
  /** Detector: churnIntent ≥ 0.5. */
  detector: { recall: Rate; falsePositive: Rate };
  /** churn_signal fired, text scored as a plain `feedback` signal without history. */
  rule: { recall: Rate; fireOnComplaints: Rate; fireOnHardNegatives: Rate };
  byIndustry: Record<string, { intentFired: Rate; nonIntentFired: Rate }>;
  misses: string[];
}

/** Runs one intent set through analyzer → assessRisk → evaluatePerSignalRules. */
export function evaluateIntent(analyzer: TextAnalyzer, rows: readonly IntentRow[], language: Language): IntentReport {
  const mine = rows.filter((r) => r.language === language);
  const res = mine.map((r) => {
    const a = analyzer.analyze(r.text, r.language);
    const risk = assessRisk({ text: a, signalType: 'feedback' });
    const fired = evaluatePerSignalRules({ ...risk, legalThreat: a.legalThreat }).some((h) => h.type === 'churn_signal');
    return { r, detected: a.churnIntent >= 0.5, fired };
  });
  const pos = res.filter((x) => x.r.intent);
  const neg = res.filter((x) => !x.r.intent);
  const complaints = neg.filter((x) => (x.r.kind ?? 'complaint') === 'complaint');
  const hard = neg.filter((x) => (x.r.kind ?? 'complaint') !== 'complaint');
  const byIndustry: IntentReport['byIndustry'] = {};
  for (const ind of [...new Set(mine.map((r) => r.industry))].sort()) {
    const p = pos.filter((x) => x.r.industry === ind);
    const q = neg.filter((x) => x.r.industry === ind);
    byIndustry[ind] = { intentFired: rate(p.filter((x) => x.fired).length, p.length), nonIntentFired: rate(q.filter((x) => x.fired).length, q.length) };
  }
  return {
    language,
    detector: { recall: rate(pos.filter((x) => x.detected).length, pos.length), falsePositive: rate(neg.filter((x) => x.detected).length, neg.length) },
    rule: {
      recall: rate(pos.filter((x) => x.fired).length, pos.length),
      fireOnComplaints: rate(complaints.filter((x) => x.fired).length, complaints.length),
      fireOnHardNegatives: rate(hard.filter((x) => x.fired).length, hard.length),
    },
    byIndustry,
    misses: res.filter((x) => x.fired !== x.r.intent).map((x) => `${x.r.intent ? 'missed' : 'false alarm'} [${x.r.industry}${x.r.kind ? ', ' + x.r.kind : ''}]: ${x.r.text}`),
  };
}

export interface LegalReport {
  language: Language;
  tp: number;
  fp: number;
  fn: number;
  tn: number;
  precision: Rate;
  recall: Rate;
  byKind: Record<string, Rate>;
  errors: string[];
}

export function evaluateLegal(analyzer: TextAnalyzer, rows: readonly LegalRow[], language: Language): LegalReport {
  const mine = rows.filter((r) => r.language === language);
  const res = mine.map((r) => ({ r, flagged: analyzer.analyze(r.text, r.language).legalThreat }));
  const tp = res.filter((x) => x.r.threat && x.flagged).length;
  const fp = res.filter((x) => !x.r.threat && x.flagged).length;
  const fn = res.filter((x) => x.r.threat && !x.flagged).length;
  const tn = res.length - tp - fp - fn;
  const byKind: Record<string, Rate> = {};
  for (const kind of [...new Set(mine.map((r) => `${r.threat ? 'threat' : 'no threat'}/${r.kind}`))].sort()) {
    const xs = res.filter((x) => `${x.r.threat ? 'threat' : 'no threat'}/${x.r.kind}` === kind);
    byKind[kind] = rate(xs.filter((x) => x.flagged === x.r.threat).length, xs.length);
  }
  return {
    language,
    tp,
    fp,
    fn,
    tn,
    precision: rate(tp, tp + fp),
    recall: rate(tp, tp + fn),
    byKind,
    errors: res.filter((x) => x.flagged !== x.r.threat).map((x) => `${x.r.threat ? 'missed' : 'false alarm'} [${x.r.kind}]: ${x.r.text}`),
  };
}

export const fmtRate = (r: Rate) => `${(r.rate * 100).toFixed(1)}% (${r.k}/${r.n}, 95% CI ${(r.ci[0] * 100).toFixed(1)}–${(r.ci[1] * 100).toFixed(1)}%)`;
