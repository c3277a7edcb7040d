// Corpus readers for training and evaluation (I/O lives here, never in inference code).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Language, RootCause, SentimentLabel } from '../types';

export interface Example {
  text: string;
  language: Language;
  label: SentimentLabel;
  rootCause?: RootCause;
  /** Annotator agreement in [0, 1] when the corpus provides it. */
  confidence?: number;
  /** GermEval relevance flag (irrelevant documents are neutral by definition). */
  relevant?: boolean;
  /** Raw corpus root-cause labels (airline negativereason, GermEval aspect categories). */
  sourceCauses?: string[];
}

/** `<repo>/../shared/data`, overridable with TRAINING_DATA_DIR. */
export function dataDir(): string {
  return process.env.TRAINING_DATA_DIR
    ? path.resolve(process.env.TRAINING_DATA_DIR)
    : path.resolve(__dirname, '../../../shared/data');
}

/** RFC 4180 CSV: quoted fields may contain commas, doubled quotes and newlines. */
export function parseCsv(src: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
    } else if (c === '"') inQuotes = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && src[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

// Airline negativereason → platform taxonomy (documented in models/MODEL_CARD.md).
export const AIRLINE_CAUSE: Record<string, RootCause> = {
  'Late Flight': 'delivery_delay',
  'Cancelled Flight': 'cancellation',
  'Customer Service Issue': 'service_staff',
  'Flight Attendant Complaints': 'service_staff',
  'Lost Luggage': 'product_defect',
  'Damaged Luggage': 'product_defect',
  'Bad Flight': 'product_defect',
  'Flight Booking Problems': 'booking',
  longlines: 'delivery_delay',
  "Can't Tell": 'other',
};

export function loadAirline(file = path.join(dataDir(), 'airline/tweets_train.csv')): Example[] {
  const rows = parseCsv(fs.readFileSync(file, 'utf8'));
  const header = rows[0];
  const col = (name: string) => {
    const i = header.indexOf(name);
    if (i < 0) throw new Error(`${file}: missing column ${name}`);
    return i;
  };
  const iText = col('text');
  const iLabel = col('airline_sentiment');
  const iConf = col('airline_sentiment_confidence');
  const iReason = col('negativereason');
  const out: Example[] = [];
  for (const r of rows.slice(1)) {
    if (r.length < header.length) continue;
    const label = r[iLabel] as SentimentLabel;
    if (label !== 'negative' && label !== 'neutral' && label !== 'positive') continue;
    const reason = r[iReason];
    out.push({
      text: r[iText],
      language: 'en',
      label,
      confidence: Number(r[iConf]),
      rootCause: label === 'negative' && reason ? AIRLINE_CAUSE[reason] ?? 'other' : undefined,
      sourceCauses: reason ? [reason] : [],
    });
  }
  return out;
}

function decodeXml(s: string): string {
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

// GermEval aspect category (the part before '#') → platform taxonomy.
export const GERMEVAL_CAUSE: Record<string, RootCause> = {
  Zugfahrt: 'delivery_delay',
  Sonstige_Unregelmässigkeiten: 'delivery_delay',
  Ticketkauf: 'booking',
  Service_und_Kundenbetreuung: 'service_staff',
  Informationen: 'service_staff',
  Sicherheit: 'safety',
  Atmosphäre: 'product_defect',
  Connectivity: 'technical_outage',
  Auslastung_und_Platzangebot: 'product_defect',
  DB_App_und_Website: 'technical_outage',
  Komfort_und_Ausstattung: 'product_defect',
  Barrierefreiheit: 'product_defect',
  Image: 'other',
  Gastronomisches_Angebot: 'product_defect',
  Reisen_mit_Kindern: 'other',
  Design: 'other',
  Toiletten: 'product_defect',
  Gepäck: 'product_defect',
  Allgemein: 'other',
};

export function loadGermEval(file: string): Example[] {
  const src = fs.readFileSync(file, 'utf8');
  const out: Example[] = [];
  for (const m of src.matchAll(/<Document\b[^>]*>([\s\S]*?)<\/Document>/g)) {
    const body = m[1];
    const text = decodeXml(/<text>([\s\S]*?)<\/text>/.exec(body)?.[1] ?? '');
    const label = /<sentiment>\s*(\w+)\s*<\/sentiment>/.exec(body)?.[1] as SentimentLabel | undefined;
    if (!label || !['negative', 'neutral', 'positive'].includes(label) || !text.trim()) continue;
    const relevant = /<relevance>\s*true\s*<\/relevance>/.test(body);
    const cats: string[] = [];
    const negCats: string[] = [];
    for (const o of body.matchAll(/<Opinion\b([^>]*)\/?>/g)) {
      const cat = decodeXml(/category="([^"]*)"/.exec(o[1])?.[1] ?? '').split('#')[0];
      if (!cat) continue;
      cats.push(cat);
      if (/polarity="negative"/.test(o[1])) negCats.push(cat);
    }
    // The root cause of a complaint is its first negatively rated aspect.
    const cause = negCats.map((c) => GERMEVAL_CAUSE[c] ?? 'other').find((c) => c !== 'other');
    out.push({
      text,
      language: 'de',
      label,
      relevant,
      rootCause: label === 'negative' ? cause ?? (negCats.length ? 'other' : undefined) : undefined,
      sourceCauses: cats,
    });
  }
  return out;
}

export function loadGermEvalAll(dir = path.join(dataDir(), 'germeval2017')): { dev: Example[]; testDia: Example[] } {
  return { dev: loadGermEval(path.join(dir, 'dev.xml')), testDia: loadGermEval(path.join(dir, 'test_dia.xml')) };
}
