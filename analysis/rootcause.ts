import type { Classifier } from './classifier';
import type { Analysed } from './features';
import type { RootCause } from './types';

// Keyword rules cover causes the corpora barely contain (billing, pricing,
// outages of apps/websites, safety) and domains they do not contain at all
// (banks, shops). Order = priority when several match.
const RULES: Array<[RootCause, RegExp, string]> = [
  ['safety', /\b(?:unsafe|dangerous|danger|injur\w*|hurt|assault\w*|harass\w*|violen\w*|sicherheit\w*|gefährlich\w*|gefahr|verletz\w*|belästig\w*|angegriffen|übergriff\w*|polizeieinsatz\w*)\b/i, 'safety'],
  ['billing_payment', /\b(?:charg(?:e|ed|es|ing)|overcharg\w*|refunds?|refunded|bill(?:ed|ing|s)?|invoices?|payments?|paid|fees?|overdraft|debit\w*|credit card|debt|debt collect\w*|collection agency|collector|mortgage|escrow|loan|interest rate|credit report|credit score|unauthori[sz]ed|rechnung\w*|erstattung\w*|zahlung\w*|gebühr\w*|abbuchung\w*|abgebucht|lastschrift\w*|mahnung\w*|inkasso|konto|geld zurück|überweisung\w*)\b/i, 'billing or payment'],
  ['cancellation', /\b(?:cancel+(?:ed|ing|ation|ations|s)?|ausfall|ausgefallen|fällt aus|faellt aus|gestrichen|zugausfall\w*|storn\w*|kündig\w*)\b/i, 'cancellation'],
  ['technical_outage', /\b(?:website|web site|app|online|crash\w*|outage|is down|went down|error message|log ?in|wifi|wi-fi|internet|server|webseite|störung\w*|stoerung\w*|signalstörung\w*|weichenstörung\w*|stellwerk\w*|wlan|funkloch|netz)\b/i, 'technical problem'],
  ['delivery_delay', /\b(?:late|delay\w*|deliver\w*|tracking|package|parcel|shipment|missed (?:my )?connection|still waiting|verspät\w*|verspaetung\w*|verzöger\w*|anschluss verpasst|lieferung\w*|geliefert|paket\w*|sendung\w*)\b/i, 'delay'],
  ['pricing', /\b(?:prices?|pricing|expensive|overpriced|fares?|costs?|preis\w*|teuer\w*|preiserhöhung\w*)\b/i, 'price'],
  ['booking', /\b(?:booking|booked|book a|reservation\w*|rebook\w*|itinerary|seat assignment|buchung\w*|gebucht|reservier\w*|fahrkarte\w*|ticket\w*|sitzplatzreserv\w*)\b/i, 'booking'],
  ['product_defect', /\b(?:broken|damaged|defect\w*|faulty|dirty|lost (?:my )?(?:bag|luggage)|luggage|baggage|toilet\w*|klimaanlage|heizung|defekt\w*|kaputt\w*|dreckig|schmutzig\w*|beschädigt\w*|gepäck|toilette\w*|klo)\b/i, 'defect or condition'],
  ['service_staff', /\b(?:customer service|customer care|staff|agent|rude|attendant\w*|crew|employees?|representative|on hold|hotline|call center|support|mitarbeiter\w*|schaffner\w*|zugbegleiter\w*|unfreundlich\w*|kundenservice|kundendienst|servicepoint|personal)\b/i, 'staff or customer service'],
];

export function ruleRootCause(text: string): RootCause | null {
  for (const [cause, re] of RULES) if (re.test(text)) return cause;
  return null;
}

export interface RootCauseResult {
  rootCause: RootCause;
  /** Probability from the model, or null when a keyword rule decided. */
  probability: number | null;
}

/**
 * The trained model knows only the causes its corpus labels (airline: delay,
 * cancellation, staff, defect, booking; rail: also outage, safety). A keyword
 * for a cause the model cannot predict (e.g. billing in English) wins unless
 * the model is very sure; otherwise the model decides when confident, then
 * keywords, then the model's best guess.
 */
export function decideRootCause(text: string, a: Analysed | null, model: Classifier<RootCause> | undefined): RootCauseResult {
  if (!model || !a) return { rootCause: ruleRootCause(text) ?? 'other', probability: null };
  const p = model.probabilities(a, true);
  let best = 0;
  for (let c = 1; c < p.length; c++) if (p[c] > p[best]) best = c;
  const top = model.labels[best];
  const rule = ruleRootCause(text);
  if (rule && !model.labels.includes(rule) && p[best] < UNKNOWN_CAUSE_OVERRIDE) return { rootCause: rule, probability: null };
  if (top !== 'other' && p[best] >= 0.5) return { rootCause: top, probability: p[best] };
  if (rule) return { rootCause: rule, probability: null };
  return { rootCause: top, probability: p[best] };
}

/** Model confidence above which a keyword for a cause outside the model's labels does not override it. */
const UNKNOWN_CAUSE_OVERRIDE = 0.8;

export const ROOT_CAUSE_CUE: Record<RootCause, string> = {
  delivery_delay: 'about a delay',
  billing_payment: 'about billing or payment',
  cancellation: 'about a cancellation',
  service_staff: 'about staff or customer service',
  product_defect: 'about a defect or poor condition',
  technical_outage: 'about a technical outage',
  booking: 'about booking or tickets',
  pricing: 'about prices',
  safety: 'about safety',
  other: 'cause unclear',
};
