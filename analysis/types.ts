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
  cues: string[];
  modelVersion: string;
}

export interface TextAnalyzer {
  readonly modelVersion: string;
  analyze(text: string, languageHint?: string): TextAnalysis;
}

/** Per-language trained sentiment model; absent until `npm run train` has produced it. */
export interface SentimentModelData {
  [key: string]: unknown;
}

/** Everything the analyzer needs, already parsed; produced by scripts/train.ts. */
export interface ModelBundle {
  version: string;
  sentiment: Partial<Record<Language, SentimentModelData>>;
}
