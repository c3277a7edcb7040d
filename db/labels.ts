// The feedback loop: survey comments labelled by their own NPS score become training data
// in the JSONL format `npm run train -- --extra FILE.jsonl` reads (models/MODEL_CARD.md).
import type { Db } from '.';
import { classifyNps } from '../domain/outreach';

export interface LabelledText {
  text: string;
  language: 'en' | 'de';
  label: 'negative' | 'neutral' | 'positive';
}

const LABEL = { detractor: 'negative', passive: 'neutral', promoter: 'positive' } as const;

export async function surveyLabels(db: Db): Promise<LabelledText[]> {
  // Only customers who consented to training: nothing of anyone else leaves for retraining.
  const rows = await db('signals as s')
    .leftJoin('analyses as a', 'a.signal_id', 's.id')
    .join('customers as c', 'c.id', 's.customer_id')
    .whereRaw(`(c.consents->>'training')::boolean IS TRUE`)
    .where('s.type', 'survey_response')
    .whereNotNull('s.text')
    .whereRaw(`s.metadata->>'nps' IS NOT NULL`)
    .orderBy('s.occurred_at')
    .select('s.text', 's.language', 'a.language as detected', db.raw(`(s.metadata->>'nps')::int as nps`));
  return rows
    .map((r: { text: string; language: string | null; detected: string | null; nps: number }) => ({
      text: r.text.trim(),
      language: (r.language ?? r.detected ?? 'en').slice(0, 2),
      label: LABEL[classifyNps(r.nps)],
    }))
    .filter((l): l is LabelledText => l.text.length > 0 && (l.language === 'en' || l.language === 'de'));
}
