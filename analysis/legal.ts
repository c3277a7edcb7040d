// Legal-threat detection is rule-based on purpose: the training corpora contain
// almost no legal threats, the phrases are a closed set, and operators need to
// see exactly which words fired. Each rule carries a weight; rules combine as
// independent evidence (noisy-OR), and benign readings ("lawyer friend",
// "food court", "ein leckeres Gericht", "Pendler klagen über ...") are vetoed
// before scoring.

export interface LegalResult {
  legalThreat: boolean;
  legalScore: number;
  cues: string[];
}

interface Rule {
  re: RegExp;
  weight: number;
  cue: (match: string) => string;
}

const mention = (what: string) => (m: string) => `${what} ("${m.trim()}")`;

// Benign contexts are removed from the text before rules run, so a word that is
// only used in a harmless sense never reaches the rules.
const BENIGN: RegExp[] = [
  /\b(?:lawyer|attorney|solicitor)\s+(?:friend|buddy|colleague|neighbou?r|brother|sister|wife|husband|dad|mom|mum)s?\b/gi,
  /\b(?:friend|buddy|colleague|neighbou?r|brother|sister|wife|husband|dad|mom|mum|father|mother)\s*,?\s+(?:who\s+is\s+|who's\s+)?an?\s+(?:lawyer|attorney)\b/gi,
  /\bmy\s+(?:friend|buddy|colleague|neighbou?r|brother|sister|wife|husband|dad|mom|mum|father|mother)(?:'s)?\s+(?:is\s+)?an?\s+(?:lawyer|attorney)\b/gi,
  /\bi\s+am\s+an?\s+(?:lawyer|attorney)\b|\bi'm\s+an?\s+(?:lawyer|attorney)\b|\bas\s+an?\s+(?:lawyer|attorney)\b/gi,
  /\b(?:food|tennis|basketball|squash|volleyball)\s+courts?\b|\bcourt(?:yard|eous|esy|ney)\w*\b/gi,
  /\b(?:law|legal)\s+(?:school|student|firm\s+party|drama|show|series|thriller)\b/gi,
  /\b(?:would|wouldn't|won't|will\s+not|never|not)\s+(?:sue|need\s+a\s+lawyer)\b/gi,
  // negated intent: "I don't want to sue anyone", "not going to involve lawyers"
  /\b(?:do\s*n[o']?t|did\s*n[o']?t|does\s*n[o']?t|not\s+going\s+to|no\s+intention\s+(?:of|to)|no\s+plans?\s+to|never)\s+(?:want(?:ed)?\s+to\s+|plan\s+to\s+|intend\s+to\s+)?(?:sue|suing|involv(?:e|ing)\s+(?:a\s+|any\s+)?(?:lawyers?|attorneys?|solicitors?)|tak(?:e|ing)\s+legal\s+action|go(?:ing)?\s+to\s+court)\b/gi,
  // someone else's threat, reported: "the man next to me said he would sue"
  /\b(?:he|she|they|someone|somebody|the\s+(?:man|woman|guy|lady|passenger|customer|people)(?:\s+(?:next\s+to|behind|in\s+front\s+of)\s+(?:me|us))?)\s+(?:\w+\s+){0,4}?(?:would|will|wants?\s+to|was\s+going\s+to|threatened\s+to|is\s+going\s+to)\s+sue\b/gi,
  // news about other people's cases
  /\b(?:news|article|story|report|read|heard|saw)\b[^.!?]{0,60}\b(?:class[- ]action|lawsuit|sammelklage|klage)\b|\b(?:nachrichten|artikel|bericht|gelesen|gehört)\b[^.!?]{0,60}\b(?:sammelklage|klage)\b|\b(?:sammelklage|klage)\b[^.!?]{0,60}\bgelesen\b/gi,
  /\bpower\s+of\s+attorney\b|\b(?:work|working|job|intern(?:ship)?)\s+(?:at|for|in)\s+(?:a\s+)?law\s+firm\b/gi,
  /\bsuits?\s+(?:me|you|us|them|everyone|my|your)\b|\bsuit(?:case|able)s?\b/gi,
  /\bsue(?=\s+[A-Z])/g, // "Sue Miller" — a name, kept case-sensitive on purpose
  // German: "Gericht" as a dish, "klagen über" / "Klagen der Kunden" as complaining.
  /\b(?:lecker\w*|warm\w*|kalt\w*|vegetarisch\w*|hauptgericht\w*|bistro\w*|essen)\s+(?:\w+\s+){0,2}gericht\w*|\bgerichte?\b(?=\s+(?:im|aus\s+dem|vom)\s+(?:bordbistro|bistro|speisewagen|restaurant))/gi,
  /\b(?:tages|haupt|fertig|leib|lieblings|nudel|reis|fleisch)gerichte?\b/gi,
  /\bklag(?:en|t|te|ten)\s+(?:\w+\s+){0,3}(?:über|ueber)\b/gi,
  /\b(?:\w+\s+)?(?:wehklage|anklage)\w*\b/gi,
  /\banwalt\s*(?:-\s*)?serie\w*\b|\banwältin\s+in\s+der\s+serie\b/gi,
  /\b(?:niemanden|keinen|keine)\s+(?:\w+\s+)?(?:verklagen|klage|(?:rechts)?anwalt|anwältin)\b|\bnicht\s+(?:\w+\s+)?verklagen\b/gi,
  /\b(?:er|sie|jemand|der\s+mann|die\s+frau|der\s+typ)\s+(?:\w+\s+){0,4}?verklag(?:t|en\s+will|en\s+wolle|en\s+werde)\b/g,
  /(?<!\b(?:habe|haben|hab|hat|ich|wir|sie)\s+(?:\w+\s+){0,3})\bverklagt\b(?!\s+(?:werden|haben))/gi,
  /\b(?:arbeite|arbeitet|arbeiten|stelle|praktikum|job)\w*\s+(?:\w+\s+){0,3}?(?:anwalts)?kanzlei\w*\b/gi,
  /\b(?:mein|meine)\s+(?:freund|freundin|bruder|schwester|kollege|kollegin|nachbar|nachbarin|vater|mutter)\s+(?:ist\s+)?(?:anwalt|anwältin|rechtsanwalt|rechtsanwältin)\b/gi,
];

const RULES: Rule[] = [
  // English — explicit intent to litigate
  { re: /\b(?:i(?:'ll| will| am going to|'m going to| shall)?|we(?:'ll| will| are going to)?)\s+(?:\w+\s+){0,2}sue\b|\bsu(?:e|ing)\s+(?:you|u|them|your|the|this|united|delta|american|southwest|jetblue|virgin|for)\b/gi, weight: 0.95, cue: mention('threatens to sue') },
  { re: /\b(?:lawsuit|class[- ]action|legal action|legal proceedings|legal steps|take (?:you|this|them) to court|see you in court|small[- ]claims)\b/gi, weight: 0.9, cue: mention('mentions legal action') },
  { re: /\b(?:my|our|a|an|the|contact(?:ing|ed)?|call(?:ing|ed)?|hire|hiring|retain(?:ed|ing)?|speak(?:ing)? (?:to|with)|talk(?:ing)? to|get(?:ting)?)\s+(?:\w+\s+)?(?:lawyers?|attorneys?|solicitors?|legal counsel|legal team)\b/gi, weight: 0.85, cue: mention('mentions a lawyer') },
  { re: /\b(?:lawyers?|attorneys?|solicitors?)\b/gi, weight: 0.55, cue: mention('mentions a lawyer') },
  { re: /\bcourt\b/gi, weight: 0.5, cue: mention('mentions court') },
  // English — regulators and consumer-protection bodies (a formal complaint is a legal risk)
  { re: /\b(?:consumer protection|consumer financial protection|cfpb|ftc|federal trade commission|attorney general|better business bureau|bbb|ombudsman|department of transportation|dot complaint|regulator|regulatory complaint|state banking (?:department|regulator))\b/gi, weight: 0.8, cue: mention('mentions a regulator or consumer-protection body') },
  // German — explicit intent to litigate
  { re: /\b(?:verklag\w*|klage\s+(?:ein(?:reichen|gereicht)|erheben|androh\w*)|klage\s+gegen|eine\s+klage|rechtliche\s+schritte|juristische\s+schritte|rechtlichen\s+schritte|gerichtlich\w*|vor\s+gericht|zivilklage|sammelklage|musterfeststellungsklage|mahnverfahren)\b/gi, weight: 0.95, cue: mention('threatens legal action') },
  { re: /\b(?:ich|wir)\s+(?:werde|werden)\s+(?:\w+\s+){0,3}klagen\b/gi, weight: 0.95, cue: mention('threatens to sue') },
  { re: /\b(?:mein\w*|unser\w*|ein\w*|den|die|zum|zur)\s+(?:\w+\s+)?(?:rechts)?(?:anwalt|anwält\w*|anwaelt\w*|anwaltskanzlei|kanzlei)\b|\b(?:anwalt|anwältin)\s+einschalten\b/gi, weight: 0.85, cue: mention('mentions a lawyer') },
  { re: /\b(?:rechts)?(?:anwalt|anwält\w*|anwaelt\w*|anwalts?)\b/gi, weight: 0.55, cue: mention('mentions a lawyer') },
  { re: /\bgericht\b|\bklage\b/gi, weight: 0.5, cue: mention('mentions court or a lawsuit') },
  // English — paraphrases without the usual words
  { re: /\b(?:a|the)\s+judge\s+(?:can|will|should|decides?|to\s+decide)\b|\b(?:let|have)\s+a\s+judge\b|\b(?:in\s+front\s+of|before)\s+a\s+judge\b|\bthrough\s+the\s+courts?\b|\btake\s+(?:it|this|you|them)\s+to\s+(?:a\s+)?(?:tribunal|arbitration)\b/gi, weight: 0.85, cue: mention('wants a court to decide') },
  { re: /\blegal\s+(?:advice|insurance|counsel|representation|recourse|remedies|route)\b|\blaw\s+(?:firm|office)\b|\bletter\s+from\s+(?:a|my)\s+(?:law|lawyer)/gi, weight: 0.75, cue: mention('brings in legal help') },
  { re: /\b(?:hold|holding|held)\s+(?:you|your\s+company|them)\s+(?:legally\s+|personally\s+|fully\s+)?liable\b|\bbreach\s+of\s+contract\b|\bclaim\s+(?:for\s+)?damages\b|\bdamages\s+claim\b/gi, weight: 0.75, cue: mention('claims liability or damages') },
  // German — paraphrases without the usual words
  { re: /\b(?:ein|der|einem|dem|den)\s+richter\w*\b|\brichterlich\w*\b/gi, weight: 0.8, cue: mention('wants a court to decide') },
  { re: /\brechtsschutz\w*\b|\b(?:rechtlichen?|juristischen?|anwaltlichen?)\s+(?:beistand|rat|hilfe|beratung|vertretung)\b|\banwaltlich\w*\b|\b(?:juristisch|rechtlich)\s+prüfen\b/gi, weight: 0.8, cue: mention('brings in legal help') },
  { re: /\beinklag\w*\b|\beingeklagt\b/gi, weight: 0.9, cue: mention('threatens to sue') },
  { re: /\bhaftbar\b|\bschadensersatz\w*\b|\bschadenersatz\w*\b|\bvertragsbruch\w*\b/gi, weight: 0.75, cue: mention('claims liability or damages') },
  // German — consumer protection / regulators / arbitration
  { re: /\b(?:verbraucherzentrale\w*|verbraucherschutz\w*|schlichtungsstelle\w*|söp|bundesnetzagentur|bafin|eisenbahn-bundesamt|ombudsmann|ombudsstelle|schufa-?beschwerde)\b/gi, weight: 0.8, cue: mention('mentions consumer protection or a regulator') },
];

// Every rule needs one of these stems; most texts have none, and one scan
// for them is far cheaper than running all rules (analyze() is on a hot path).
const TRIGGER = /judge|tribunal|arbitration|liable|breach|damages|law firm|law office|richter|rechtsschutz|beistand|anwaltlich|einklag|eingeklagt|haftbar|schadens?ersatz|vertragsbruch|su(?:e|ing)\b|lawsuit|lawyer|attorney|solicitor|court|legal|class.action|small.claims|consumer|cfpb|ftc|federal trade|bureau|bbb|ombuds|department of transportation|dot complaint|regulat|klag|anwalt|anwält|anwaelt|kanzlei|gericht|rechtlich|juristisch|mahnverfahren|verbraucher|schlichtung|söp|bundesnetzagentur|bafin|eisenbahn-bundesamt|schufa/i;

const SPEAKER = /\b(?:i|i'm|i'll|i've|i'd|me|my|we|we're|we'll|our|us|you|your|u|ur|ich|mich|mir|mein\w*|wir|uns|unser\w*|sie|ihnen|ihr\w*|du|dich|dir|dein\w*|euch|euer\w*)\b|@\w+|(?:^|[.!?]\s*)(?:let|expect|see|consider|rechnen\s+sie|erwarten\s+sie)\b/i;

export function detectLegal(text: string): LegalResult {
  if (!TRIGGER.test(text)) return { legalThreat: false, legalScore: 0, cues: [] };
  let cleaned = text;
  for (const re of BENIGN) cleaned = cleaned.replace(re, ' ');
  let keep = 1;
  const cues: string[] = [];
  const seenCue = new Set<string>();
  const used: Array<[number, number]> = [];
  for (const rule of RULES) {
    rule.re.lastIndex = 0;
    let best = 0;
    let cue = '';
    for (let m = rule.re.exec(cleaned); m; m = rule.re.exec(cleaned)) {
      const start = m.index;
      const end = start + m[0].length;
      // A weaker generic rule must not double count a span a stronger rule already scored.
      if (used.some(([s, e]) => start < e && end > s)) continue;
      used.push([start, end]);
      best = rule.weight;
      if (!cue) cue = rule.cue(m[0]);
    }
    if (best > 0) {
      keep *= 1 - best;
      if (!seenCue.has(cue)) {
        seenCue.add(cue);
        cues.push(cue);
      }
    }
  }
  // A threat needs someone who threatens and someone threatened: a text with neither a first
  // nor a second person (news: "Finanzstreit um Stuttgart 21 vor Gericht") is legal wording,
  // not a threat, and keeps half its score for the legal risk component.
  if (!SPEAKER.test(text)) keep = 1 - (1 - keep) * 0.5;
  const legalScore = Math.round((1 - keep) * 1000) / 1000;
  return { legalThreat: legalScore >= 0.6, legalScore, cues };
}
