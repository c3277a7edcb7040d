// Complaint constructions that hold in any domain ("still waiting", "charged
// twice", "niemand antwortet", "trotz Kündigung abgebucht"). The sentiment
// models learned from airline tweets and rail feedback; the German one in
// particular reads a calm, factual complaint about a bank or a shop as
// neutral because GermEval's neutral class is full of factual news. These
// patterns lift such texts to negative. Each fires a cue for operators.

import type { Language } from './types';

type Pattern = [RegExp, string];

const EN: Pattern[] = [
  [/\bstill (?:waiting|have ?n[o']t|not|no)\b|\bwaiting (?:for|since) (?:over |more than )?(?:a|an|\d+|two|three|four|several) (?:hours?|days?|weeks?|months?)\b/i, 'still waiting'],
  [/\b(?:no ?one|nobody|no one has) (?:has |have |will |ever )?(?:respond|answer|return|call|repl|help|fix|get back)\w*/i, 'nobody responds'],
  [/\bnever (?:received|got|arrived|responded|answered|called back|showed up|refunded|fixed)\b/i, 'never received or resolved'],
  [/\b(?:charged|billed|debited|deducted|taken) (?:me )?(?:twice|double|again|three times)\b|\bdouble[- ]charged\b/i, 'charged twice'],
  [/\b(?:want|demand|need|expect)(?:ed)? (?:a |my )?(?:full )?(?:refund|money back|reimbursement)\b/i, 'wants a refund'],
  [/\b(?:does ?n[o']t|did ?n[o']t|wo ?n[o']t|ca ?n[o']t|can ?not|is ?n[o']t|not) (?:work|working|load|loading|open|let me|get through)\b|\bkeeps? (?:crashing|failing|freezing|charging|calling)\b/i, 'something does not work'],
  [/\b(?:hung up on|put on hold|on hold for|transferred (?:me )?(?:again|several|multiple|\d+)|disconnected)\b/i, 'bounced around by support'],
  [/\b(?:refuse[sd]?|denied|rejected|declined) (?:to |my |our |the )?(?:refund|claim|dispute|request|reimburse|fix|help|remove|correct|credit)\w*/i, 'request refused'],
  [/\b(?:despite|even though|although) (?:i |we |my |our )?(?:had |have |paid|cancell?ed|asked|called|told|disputed|sent|reported|submitted)/i, '"despite" complaint'],
  [/\b(?:disputed?|unauthori[sz]ed|not mine|never (?:agreed|authorized|signed)|in my name)\b/i, 'disputes a charge or account'],
  [/\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b|\bfor (?:the )?(?:\d+|two|three|four|several) (?:weeks|months)\b/i, 'repeated problem'],
];

const DE: Pattern[] = [
  [/\b(?:warte|warten|wartet)\b[^.!?]{0,40}\b(?:seit|immer noch|noch immer|vergeblich)\b|\bseit (?:über |mehr als )?(?:\d+ |zwei |drei |vier |fünf |sechs |mehreren |einigen |vielen )?(?:tagen|wochen|monaten)\b/i, 'still waiting'],
  [/\b(?:niemand|keiner|kein mensch)\b[^.!?]{0,30}\b(?:antwortet|reagiert|meldet|hilft|ruft|kümmert)\w*/i, 'nobody responds'],
  [/\b(?:konnte|kann|wollte|will)\b[^.!?]{0,20}\bnicht\b[^.!?]{0,10}\b(?:helfen|weiterhelfen)\b/i, 'no help'],
  [/\bkeine (?:antwort|reaktion|rückmeldung|erstattung|hilfe|lösung|entschuldigung)\b/i, 'no answer or refund'],
  [/\b(?:doppelt|zweimal|dreimal|erneut|wieder|trotzdem|unberechtigt|einfach)\b[^.!?]{0,25}\b(?:abgebucht|berechnet|belastet|eingezogen|kassiert)\b/i, 'charged wrongly'],
  [/\b(?:abgebucht|berechnet|belastet|eingezogen)\b[^.!?]{0,30}\b(?:obwohl|trotz|doppelt|zweimal|nie|nicht bestellt)\b|\bnie bestellt\b|\bnicht bestellt\b/i, 'charged wrongly'],
  [/\bfunktionier\w*\b[^.!?]{0,20}\bnicht\b|\bnicht mehr\b[^.!?]{0,20}\bfunktionier\w*|\bstürzt\b[^.!?]{0,30}\bab\b|\babsturz\w*/i, 'something does not work'],
  [/\b(?:legt|legen|hat|haben)\b[^.!?]{0,15}\baufgelegt\b|\blegt\b[^.!?]{0,15}\bauf\b[^.!?]{0,3}$|\bweiterverbunden\b|\bwarteschleife\b|\bleitung (?:war )?tot\b/i, 'bounced around by support'],
  [/\btrotz\s+(?:\w+\s+)?(?:zahlung|kündigung|reklamation|beschwerde|mehrfach\w*|anruf\w*|mahnung|überweisung|bezahlung)\b/i, '"trotz" complaint'],
  [/\b(?:mahnung\w*|inkasso\w*|reklamation\w*|beschwerde\w*|nicht in ordnung|beschädigt\w*|zumutung|unverschämt\w*|frechheit)\b/i, 'complaint wording'],
  [/\b(?:abgelehnt|verweigert|zurückgewiesen)\b/i, 'request refused'],
];

const PATTERNS: Record<Language, Pattern[]> = { en: EN, de: DE };

/** Names of the complaint constructions found (one per pattern). */
export function complaintPatterns(text: string, lang: Language): string[] {
  const hits: string[] = [];
  for (const [re, name] of PATTERNS[lang]) if (re.test(text) && !hits.includes(name)) hits.push(name);
  return hits;
}
