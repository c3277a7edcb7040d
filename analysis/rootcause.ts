import type { Language, RootCause } from './types';

// Keyword rules give a root cause for any text, in any domain; the trained
// classifier (when present) only knows airline and rail vocabulary, so these
// rules also cover retail/finance complaints that reach the platform.
const RULES: Array<[RootCause, RegExp]> = [
  ['safety', /\b(?:unsafe|danger\w*|injur\w*|hurt|assault\w*|harass\w*|threaten\w*|violen\w*|security|sicherheit\w*|gefährlich\w*|gefahr|verletz\w*|belästig\w*|angegriffen|polizei|police)\b/i],
  ['cancellation', /\b(?:cancel+(?:ed|led|ation|ations|s)?|cancelled|canceled|ausfall|ausgefallen|fällt aus|faellt aus|gestrichen|zugausfall\w*|storniert\w*|stornierung\w*|kündig\w*)\b/i],
  ['delivery_delay', /\b(?:late|delay\w*|delivery|deliver\w*|arriv\w*|wait(?:ing|ed)?|hours?|tracking|package|parcel|missed (?:my )?connection|verspät\w*|verspaetung\w*|verzöger\w*|warten|wartezeit|anschluss verpasst|minuten|lieferung|geliefert|paket)\b/i],
  ['billing_payment', /\b(?:charg\w*|refund\w*|bill\w*|invoice\w*|payment\w*|paid|fee|fees|overdraft|debit\w*|credit card|bank|account|debt|collect(?:or|ion)s?|mortgage|loan|credit report|rechnung\w*|erstattung\w*|zahlung\w*|gebühr\w*|abbuchung\w*|lastschrift\w*|mahnung\w*|inkasso|konto|geld zurück)\b/i],
  ['pricing', /\b(?:price\w*|pricing|expensive|overpriced|fare|fares|cost\w*|preis\w*|teuer\w*|preiserhöhung\w*|bahncard)\b/i],
  ['booking', /\b(?:book(?:ing|ed)?|reservation\w*|reserv\w*|ticket\w*|seat assignment|rebook\w*|itinerary|buchung\w*|gebucht|reservierung\w*|fahrkarte\w*|sitzplatz\w*|sparpreis)\b/i],
  ['technical_outage', /\b(?:website|app|online|crash\w*|outage|down|error|login|log in|wifi|wi-fi|internet|system\w*|server|webseite|störung\w*|stoerung\w*|signalstörung\w*|weichenstörung\w*|stellwerk\w*|ausgefallen|wlan|netz|funkloch|kaputt)\b/i],
  ['product_defect', /\b(?:broken|damaged|defect\w*|faulty|dirty|lost (?:my )?(?:bag|luggage)|luggage|baggage|bag|toilet\w*|klimaanlage|heizung|defekt\w*|dreckig|schmutzig\w*|beschädigt\w*|gepäck|toilette\w*|klo)\b/i],
  ['service_staff', /\b(?:customer service|service|staff|agent\w*|rude|attendant\w*|crew|pilot|employee\w*|support|on hold|hold|representative|call(?:ed)? back|hotline|personal|mitarbeiter\w*|schaffner\w*|zugbegleiter\w*|unfreundlich\w*|kundenservice|servicepoint|auskunft|informationen?|durchsage\w*)\b/i],
];

export function ruleRootCause(text: string, _lang: Language): RootCause | null {
  for (const [cause, re] of RULES) if (re.test(text)) return cause;
  return null;
}
