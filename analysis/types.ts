import type { FeatureConfig } from './features';
import type { LinearTable } from './linear-model';

export type Language = 'en' | 'de';
export type SentimentLabel = 'negative' | 'neutral' | 'positive';
export type RootCause =
  | 'delivery_delay'
  | 'billing_payment'
  | 'cancellation'
  | 'service_staff'
  | 'product_defect'
  | 'technical_outage'
  | 'booking'
  | 'pricing'
  | 'safety'
  | 'other';

export const ROOT_CAUSES: readonly RootCause[] = [
  'delivery_delay',
  'billing_payment',
  'cancellation',
  'service_staff',
  'product_defect',
  'technical_outage',
  'booking',
  'pricing',
  'safety',
  'other',
];

export const SENTIMENT_LABELS: readonly SentimentLabel[] = ['negative', 'neutral', 'positive'];

export interface TextAnalysis {
  language: Language;
  /** [-1, 1], negative = unhappy */
  sentiment: number;
  label: SentimentLabel;
  /** [0, 1] */
  sentimentConfidence: number;
  rootCause: RootCause;
  legalThreat: boolean;
  /** [0, 1] */
  legalScore: number;
  /** [0, 1]: the writer states an intent to leave (analysis/churn.ts); ≥ 0.5 counts. */
  churnIntent: number;
  cues: string[];
  modelVersion: string;
}

export interface TextAnalyzer {
  readonly modelVersion: string;
  analyze(text: string, languageHint?: string): TextAnalysis;
}


/** A linear classifier over hashed features with a softmax calibrator. */
export interface ClassifierModel<L extends string> {
  labels: L[];
  features: FeatureConfig;
  table: LinearTable;
  /** K×K (row-major) and K bias of the calibrator applied to the raw scores. */
  calibA: number[];
  calibB: number[];
}

/** Everything the analyzer needs, already parsed; produced by scripts/train.ts. */
export interface ModelBundle {
  version: string;
  sentiment: Partial<Record<Language, ClassifierModel<SentimentLabel>>>;
  rootCause: Partial<Record<Language, ClassifierModel<RootCause>>>;
}
