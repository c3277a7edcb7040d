import { SENTIMENT_LABELS, type SentimentLabel } from '../types';

export interface Metrics {
  n: number;
  accuracy: number;
  macroF1: number;
  negativeF1: number;
  perClassF1: Record<SentimentLabel, number>;
  /** confusion[gold][predicted] */
  confusion: Record<SentimentLabel, Record<SentimentLabel, number>>;
}

export function computeMetrics(gold: readonly SentimentLabel[], pred: readonly SentimentLabel[]): Metrics {
  const confusion = {} as Metrics['confusion'];
  for (const g of SENTIMENT_LABELS) {
    confusion[g] = { negative: 0, neutral: 0, positive: 0 };
  }
  let correct = 0;
  gold.forEach((g, i) => {
    confusion[g][pred[i]]++;
    if (g === pred[i]) correct++;
  });
  const perClassF1 = {} as Record<SentimentLabel, number>;
  for (const c of SENTIMENT_LABELS) {
    const tp = confusion[c][c];
    const fp = SENTIMENT_LABELS.reduce((s, g) => s + (g === c ? 0 : confusion[g][c]), 0);
    const fn = SENTIMENT_LABELS.reduce((s, p) => s + (p === c ? 0 : confusion[c][p]), 0);
    perClassF1[c] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const macroF1 = SENTIMENT_LABELS.reduce((s, c) => s + perClassF1[c], 0) / SENTIMENT_LABELS.length;
  return { n: gold.length, accuracy: correct / Math.max(1, gold.length), macroF1, negativeF1: perClassF1.negative, perClassF1, confusion };
}
