// Churn intent: does the writer say they are leaving (cancel, terminate, switch
// provider, not renew, close or delete the account, port the number, never again)?
//
// Rules, not learned: the corpora have no intent labels, the constructions are a
// small closed set per language, and what decides a case is syntax a bag of
// words cannot see (who leaves, is it negated, is it the relationship or one
// order). Every decision is documented in models/MODEL_CARD.md ("Churn intent"):
//
//   counts      first person or imperative ("I'm cancelling", "Cancel my plan",
//               "Kündigen Sie meinen Vertrag"), plans and threats ("I'm thinking of
//               switching"), conditionals ("if this isn't fixed by Friday I will
//               switch" — that is an ultimatum), done ("I have cancelled",
//               "trotz Kündigung abgebucht"), questions about leaving ("how do I
//               close my account?" — people ask because they want to go; scored
//               a little lower), not renewing, never again.
//   does not    negated ("I will not cancel", "ich werde nicht kündigen"); a third
//               party ("my mother wants to cancel" — another person's intent, cue
//               only); the provider acting ("you cancelled my policy", "my account
//               was closed", "Sie haben mir gekündigt"); one transaction ("cancel
//               my order / flight / transfer", "stornieren"); a change within the
//               provider ("switch to the annual plan", "in den Jahrestarif wechseln").
//
// Cost: one trigger regex per text; the clause analysis runs only on texts that
// mention a leaving word (a few percent of real feedback).

import type { Language } from './types';

export interface ChurnIntentResult {
  /** [0, 1]: 0 = no stated intent to leave; ≥ 0.5 = the writer states one. */
  churnIntent: number;
  cues: string[];
}

/**
 * Score of a plain statement, of a question about leaving, of a less direct wording ("looking
 * for a new provider", "bei der Konkurrenz"). All three count: × 0.95 in the churn component
 * they stay above churn_signal's calm path (0.8); the grading orders them for operators.
 */
const STRONG = 0.95;
const QUESTION = 0.9;
const WEAK = 0.85;

interface Hit {
  score: number;
  cue: string;
}

const NONE: ChurnIntentResult = { churnIntent: 0, cues: [] };

// ---------------------------------------------------------------- English

/** Things one leaves: a contract or relationship, not a single transaction. */
const EN_REL =
  'contracts?|subscriptions?|subs?|accounts?|membership|memberships|plans?|polic(?:y|ies)|services?|lines?|broadband|internet|wifi|insurance|cover(?:age)?|licen[cs]es?|agreements?|cards?|tariffs?|package|bundle|everything|all of (?:it|them)|it all|business|loyalty\\w*|premium|pro|trial|mortgage|savings|checking|current account|deal|supply|energy|electricity|gas|phone|mobile|sim|number|service with you|relationship|profile';
/** One transaction, request or item: cancelling it is not leaving. */
const EN_TXN =
  'orders?|flights?|bookings?|reservations?|transfers?|payments?|appointments?|tickets?|trips?|deliver(?:y|ies)|requests?|claims?|transactions?|items?|purchases?|cheques?|checks?|standing order|direct debit|emails?|newsletters?|notifications?|texts|sms|marketing|mailing|hotel|room|seat|upgrade|return|refund|call|visit';

const EN_PROVIDER_NOUN =
  'providers?|suppliers?|carriers?|networks?|banks?|insurers?|insurance (?:company|companies|providers?)|airlines?|isps?|companies|company|operators?|vendors?|retailers?|stores?|shops?|brokers?|energy (?:suppliers?|providers?|company)|broadband (?:providers?)|mobile (?:providers?|networks?)|tools?|platforms?|apps?|software|products?|services?|competitors?|competition|lenders?|telcos?|utilit(?:y|ies)|gyms?|brands?|firms?|agenc(?:y|ies)|hosts?|hosting|solutions?|systems?';

interface EnPattern {
  re: RegExp;
  score: number;
  cue: string;
  /** The pattern already contains its negation ("won't renew", "never again"): skip the negation check. */
  negNative?: boolean;
  /** The verb is ambiguous ("cancel", "close"): reject when a transaction object follows. */
  needsObject?: boolean;
}

const EN: EnPattern[] = [
  // cancel / terminate / close / delete / end + the relationship
  {
    re: new RegExp(
      `\\b(?:cancel+(?:ing|ed|s|ation)?|terminat(?:e|es|ed|ing|ion)|clos(?:e|es|ed|ing)|delet(?:e|es|ed|ing)|discontinu(?:e|es|ed|ing)|end(?:ing|ed)?|quit(?:ting)?|unsubscrib(?:e|ed|ing))\\s+(?:(?:from|out of|with)\\s+)?(?:(?:my|our|the|this|that|your|all|every|both|these|those|his|her|their)\\s+(?:\\w+'?\\w*\\s+){0,3}?(?:${EN_REL})|everything|it all|all of (?:it|them))\\b`,
      'g',
    ),
    score: STRONG,
    cue: 'cancels',
    needsObject: true,
  },
  // "I'm cancelling." / "Please cancel asap" — cancel without an object
  {
    re: /\b(?:cancel+(?:ing|ed)?|terminat(?:e|ing)|quit(?:ting)?|unsubscrib(?:e|ing))\b(?=\s*(?:[.!?,;:]|$|\s+(?:now|today|asap|immediately|right away|please|effective|at the end|with you|with immediate|for good|altogether|and|because|as|since|i|we|if|unless|then)\b))/g,
    score: STRONG,
    cue: 'cancels',
    needsObject: true,
  },
  // switch / move / change / migrate to someone else
  {
    re: new RegExp(
      `\\b(?:switch(?:ing|ed|es)?|mov(?:e|es|ed|ing)|chang(?:e|es|ed|ing)|migrat(?:e|es|ed|ing)|go(?:ing)?|went|port(?:ing|ed)?|tak(?:e|ing)|bring(?:ing)?|transfer(?:ring|red)?)\\s+(?:(?:my|our|all|the|whole|of)\\s+(?:\\w+\\s+){0,3}?)?(?:over\\s+)?(?:to|with)\\s+(?:(?:a|an|the|some|one of the|one of your)\\s+)?(?:(?:different|new|other|another|cheaper|better|rival|competing)\\s+(?:\\w+\\s+)?(?:${EN_PROVIDER_NOUN}|one)\\b|(?:your\\s+)?(?:competitors?'?s?|competition|rivals?)\\b)|\\b(?:switch(?:ing|ed|es)?|mov(?:e|es|ed|ing)|tak(?:e|ing)|transfer(?:ring|red)?)\\s+(?:(?:my|our|all|the|whole|of)\\s+(?:\\w+\\s+){0,3}?)?(?:elsewhere|somewhere else)\\b`,
      'g',
    ),
    score: STRONG,
    cue: 'switches to another provider',
  },
  // "switching to Vodafone" — a named provider (anything but a plan or setting of ours)
  {
    re: /\bswitch(?:ing|ed)?\s+(?:over\s+)?to\s+(?!(?:the|a|an|my|our|your|this|that|its|monthly|annual|yearly|paperless|e-?billing|online|digital|direct|auto\w*|plan|tariff|tier|package|premium|pro|basic|family|business|team|dark|english|german|mobile data|wifi|4g|5g|lte)\b)[a-z0-9][\w&'-]*/g,
    score: STRONG,
    cue: 'switches to another provider',
  },
  { re: new RegExp(`\\b(?:switch(?:ing|ed|es)?|chang(?:e|es|ed|ing)|swap(?:ping)?)\\s+(?:my\\s+|our\\s+|the\\s+)?(?:\\w+\\s+)?(?:${EN_PROVIDER_NOUN})\\b`, 'g'), score: STRONG, cue: 'switches provider' },
  { re: /\b(?:i'?m|i am|we'?re|we are|i'?ll|i will|we'?ll|we will|i|we)\s+(?:\w+\s+){0,3}?switch(?:ing|ed)?(?=\s*(?:[.!?,;:]|$|\s+(?:now|today|tomorrow|next|as soon|asap|then|for good|because|and)))/g, score: STRONG, cue: 'switches provider' },
  // leave the provider
  {
    re: new RegExp(`\\b(?:leav(?:e|es|ing)|left|ditch(?:ing|ed)?|dump(?:ing|ed)?|drop(?:ping|ped)?|walk(?:ing)? away from)\\s+(?:you\\b|your\\s+(?:\\w+\\s+)?(?:${EN_PROVIDER_NOUN})\\b|this\\s+(?:${EN_PROVIDER_NOUN})|(?:the|this)\\s+(?:${EN_PROVIDER_NOUN})\\s+for|(?:[a-z]+\\s+)?for good|for (?:a|another) (?:${EN_PROVIDER_NOUN}|competitor))`, 'g'),
    score: STRONG,
    cue: 'leaves',
  },
  // number porting
  { re: /\bport(?:ing|ed)?\s+(?:my\s+|our\s+|the\s+)?(?:phone\s+|mobile\s+)?numbers?\b|\bport(?:ing)?[- ]out\b|\b(?:pac|porting)\s+code\b|\bnumber\s+port(?:ing|ability)\b/g, score: STRONG, cue: 'ports the number out' },
  // not renewing
  {
    re: /\b(?:not|n't|never|no longer)\s+(?:\w+\s+){0,2}?renew(?:ing|ed)?\b|\b(?:won'?t|will not|not going to|don'?t|do not|am not|are not|aren'?t|i'?m not|we'?re not)\s+(?:be\s+)?renew(?:ing)?\b|\blet\s+(?:my|our|the)\s+\w+\s+(?:expire|lapse|run out)\b|\bnon-?renewal\b/g,
    score: STRONG,
    cue: 'will not renew',
    negNative: true,
  },
  // never again / last time
  {
    re: /\bnever\s+(?:ever\s+)*(?:(?:will|would|again|be|to|choose to|want to|going to)\s+)?(?:i\s+|we\s+)?(?:be\s+)?(?:fly|use|buy|order|shop|book|bank|stay|travel|deal|come|return|choose|recommend|utili[sz]e|go|sign|trust|renew|purchase|do business|set foot|deal|spend|get|pay|give|touch)\w*\s+(?:\w+\s+){0,4}?again\b|\b(?:won'?t|will not|wo not|not going to|never going to|no longer|not|don'?t)\s+(?:be\s+)?(?:fly|flying|use|using|order|ordering|buy|buying|shop|shopping|book|booking|bank|banking|stay|staying|travel|travell?ing|deal|dealing|come|coming|return|returning|do business|doing business|recommend)\w*\s+(?:\w+\s+){0,4}?(?:again|anymore|any more|any longer)\b|\b(?:last|final) time (?:i|we)(?:'ll| will)? (?:fly|use|order|book|shop|buy|bank|deal|travel|stay)\b|\bnever again\b/g,
    score: STRONG,
    cue: 'will never come back',
    negNative: true,
  },
  // taking business elsewhere, lost a customer
  {
    re: /\b(?:take|taking|took)\s+(?:my|our)\s+(?:business|money|custom)\s+(?:elsewhere|somewhere else|to)\b|\b(?:shop|shopping|order|ordering|buy|buying|bank|banking|fly|flying|book|booking|go|going)\s+(?:\w+\s+)?(?:elsewhere|somewhere else)\b|\bdone with (?:you|your|this)\b|\b(?:goodbye|bye bye|farewell),? (?:\w+ )?(?:forever|for good)\b/g,
    score: STRONG,
    cue: 'takes the business elsewhere',
  },
  { re: /\b(?:book|fly|shop|bank|order|buy|travel|go)(?:ing)?\s+(?:only\s+)?(?:with|at|from|to)\s+(?:a|the|your|one of your|another|other)?\s*(?:competitors?|competition|rivals?|different (?:airline|bank|company|provider|store|shop|carrier)s?|other (?:airline|bank|company|provider|store|shop|carrier)s?)\b/g, score: STRONG, cue: 'takes the business elsewhere' },
  { re: /\b(?:lost|losing|lose)\s+(?:a|another|one|your|an?\s+\w+)\s+(?:\w+\s+){0,2}?customers?\b/g, score: STRONG, cue: 'says a customer is lost', negNative: true },
  // looking for / opened / found someone else
  {
    re: new RegExp(
      `\\b(?:look(?:ing)?|search(?:ing)?|shop(?:ping)? around)\\s+for\\s+(?:a|an|another)\\s+(?:new\\s+|different\\s+|cheaper\\s+|better\\s+|other\\s+)?(?:\\w+\\s+)?(?:${EN_PROVIDER_NOUN})\\b|\\b(?:open(?:ed)?|signed up for|got|found)\\s+(?:a|an)\\s+(?:\\w+\\s+)?(?:account|policy|contract|plan|deal)\\s+(?:elsewhere|somewhere else|with (?:a|another|a different|the competition|your competitor))\\b`,
      'g',
    ),
    score: WEAK,
    cue: 'is looking for another provider',
  },
];

const EN_TRIGGER =
  /cancel|terminat|clos(?:e|ing)|delet|discontinu|\bend|quit|unsubscrib|switch|\bmov|chang|migrat|\bgo|went|\bport|\btak|\bbring|swap|leav|\bleft|ditch|dump|drop|walk|renew|expire|lapse|never|no longer|won'?t|last time|final time|elsewhere|somewhere else|lost|losing|lose|done with|goodbye|bye|farewell|look|search|shop|open|signed up|got|found/;

const EN_NEGATORS = /\b(?:not|never|no|n't|without|refuse|refused)\b|n't\b/;
const EN_PRONOUN = /\b(?:i|i'm|i'll|i've|i'd|we|we're|we'll|we've|im|ill)\b/;
const EN_THIRD = /\b(?:my|our|his|her|their)\s+(?:\w+\s+)?(?:son|daughter|mother|mom|mum|father|dad|husband|wife|partner|friend|friends|colleague|colleagues|boss|neighbou?r|brother|sister|parents|kids|children|grand(?:mother|father|ma|pa)|family|aunt|uncle|cousin|roommate|flatmate)\b|\b(?:he|she|they|he's|she's|they're|he'll|she'll|they'll|everyone|everybody|people|customers|a friend|a colleague)\b/;
const EN_PROVIDER_SUBJECT = /\b(?:you|you've|you'd|your (?:\w+ )?(?:company|bank|team|staff|system|agent|people)|they|the (?:bank|company|airline|insurer|provider))\s+(?:\w+\s+){0,2}$/;
const EN_PASSIVE = /\b(?:was|were|been|being|be|got|get|gets|is|are|has been|have been)\s+(?:\w+\s+)?$/;
const EN_QUESTION_START = /^\s*(?:how|can|could|may|where|what|is it possible|do i|do we|would|who)\b/;

function enClauses(text: string): string[] {
  return text
    .split(/[.!?;\n]+|,\s*(?=(?:but|because|so|as|since|although|though|while|and|then)\b)|\s+(?:but|because|although|though|whereas)\s+/)
    .filter((s) => s.trim());
}

function enHits(clause: string, sentenceIsQuestion: boolean): Hit[] {
  const out: Hit[] = [];
  for (const p of EN) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(clause); m; m = p.re.exec(clause)) {
      const before = clause.slice(0, m.index);
      const after = clause.slice(m.index + m[0].length);
      if (p.needsObject) {
        // "cancel my flight" / "close the ticket": one transaction, not the relationship.
        const obj = new RegExp(`^(?:\\s+(?:\\w+'?\\w*\\s+){0,3}?(?:${EN_TXN})\\b)`).exec(m[0].slice(m[0].search(/\s|$/)) + after.slice(0, 40));
        const relIn = new RegExp(`\\b(?:${EN_REL})\\b`).test(m[0]);
        if (obj && !relIn) continue;
        // "cancelled flight", "closed early": bare adjective or intransitive use on something else
        if (!relIn && /\b(?:flight|store|branch|shop|office|gate|line|road|station|window|app)s?\s*$/.test(before)) continue;
      }
      if (EN_PASSIVE.test(before) && !p.negNative) continue; // "my account was closed", "flight got cancelled"
      if (EN_PROVIDER_SUBJECT.test(before) && !/\b(?:can|could|will|would)\s+you\s+(?:please\s+)?$/.test(before) && !p.negNative) continue; // "you cancelled my policy"
      const window = before.split(/\s+/).slice(-5).join(' ');
      if (!p.negNative && EN_NEGATORS.test(window)) {
        // negation applies unless a new subject starts after it ("if this isn't fixed I will switch")
        const lastNeg = Math.max(window.lastIndexOf('not'), window.lastIndexOf("n't"), window.lastIndexOf('never'), window.lastIndexOf('no '));
        if (!EN_PRONOUN.test(window.slice(lastNeg + 3))) continue;
      }
      const subj = before.split(/\s+/).slice(-7).join(' ');
      if (EN_THIRD.test(subj) && !EN_PRONOUN.test(subj.slice(subj.search(EN_THIRD) + 1).replace(/^\S+/, ''))) {
        out.push({ score: 0, cue: 'someone else wants to leave' });
        continue;
      }
      const question = sentenceIsQuestion && (EN_QUESTION_START.test(clause) || /\b(?:how|can i|could i|where)\b/.test(before));
      out.push({ score: question ? Math.min(p.score, QUESTION) : p.score, cue: `${p.cue} ("${m[0].trim().slice(0, 60)}")` });
    }
  }
  return out;
}

// ---------------------------------------------------------------- German

const DE_PROVIDER =
  '\\w*(?:anbieter|bank|sparkasse|versicherung|versicherer|versorger|provider|netz|betreiber|airline|fluggesellschaft|krankenkasse|kasse|händler|shop|firma|unternehmen|konkurrenz|mobilfunker|stromanbieter|gasanbieter|energieversorger|tool|software|plattform|app)';
const DE_REL = '\\w*(?:vertrag|verträge|vertrags|abo|abos|abonnement|mitgliedschaft|konto|kontos|konten|account|profil|police|versicherung|karte|tarif|anschluss|zugang|lizenz|geschäftsbeziehung|kundenbeziehung|zusammenarbeit|depot|kundenkonto|mitgliedskonto|club|programm)';

interface DePattern {
  re: RegExp;
  score: number;
  cue: string;
  negNative?: boolean;
}

const DE: DePattern[] = [
  // kündigen in every form, Kündigung and its compounds (not "Kündigungsschutz" of employees — rare in feedback)
  { re: /\b(?:ge)?kündig(?:e|en|st|t|te|ten|test|tet|ung|ungen)?\b|\bkündigungs\w*|\bkündig\w*/g, score: STRONG, cue: 'kündigt' },
  // wechseln to someone else; Anbieterwechsel and co.
  {
    re: new RegExp(
      `\\b\\w*(?:anbieter|bank|versicherungs|versorger|netz|provider|strom|gas|tarif)wechsel\\w*|\\b(?:ge)?wechs(?:le|ele|eln|elt|elst|elte|elten)\\b(?:\\s+(?:\\w+\\s+){0,3}?(?:zu(?:r|m)?|nach)\\s+(?:einer?|einem|einen|der|dem|den)?\\s*(?:anderen?|neuen?|günstigeren?|besseren?|konkurrenz)\\b|\\s+(?:\\w+\\s+){0,3}?(?:den|die|das|meinen|meine|mein|unseren|unsere)\\s+(?:${DE_PROVIDER})\\b|(?=\\s*(?:(?:ich|wir)\\s*)?(?:[.!?,;:]|$|\\s+(?:jetzt|sofort|morgen|endgültig|nächste|zum|ab|dann))))`,
      'g',
    ),
    score: STRONG,
    cue: 'wechselt den Anbieter',
  },
  {
    re: new RegExp(
      `\\b(?:zu|bei|mit)\\s+(?:einer|einem|einen)\\s+(?:anderen|neuen|günstigeren|besseren)\\s+(?:\\w+\\s+)?(?:${DE_PROVIDER})\\b|\\b(?:zur|bei der|zu der)\\s+konkurrenz\\b|\\b(?:kaufe|kaufen|bestelle|bestellen|buche|buchen|fliege|fliegen|gehe|gehen|tanke|tanken|shoppe|shoppen|hole|holen|versichere|versichern)\\b[^,.;!?]{0,30}\\b(?:woanders|anderswo|anderweitig)\\b`,
      'g',
    ),
    score: WEAK,
    cue: 'geht zur Konkurrenz',
  },
  { re: /\b(?:steige|steigen|steigt|stieg|umsteigen|umgestiegen)\b[^,.;!?]{0,40}\b(?:auf|zu)\s+(?:ein|eine|einen|einem)\s+(?:andere|anderes|anderen|neue|neues|neuen)\b(?!\s+(?:zug|bus|gleis|bahnsteig|linie|verbindung|flug|flugzeug))|\b(?:auf|zu)\s+(?:ein|eine|einen|einem)\s+(?:andere|anderes|anderen|neue|neues|neuen)\s+(?:\w+\s+)?(?:anbieter|software|tool|lösung|bank|versicherung|plattform|app|programm)\b[^,.;!?]{0,20}\bum\b/g, score: STRONG, cue: 'steigt auf einen anderen Anbieter um' },
  // auflösen / löschen / schließen / beenden + the relationship
  {
    re: new RegExp(
      `\\b(?:löse|lösen|löst|aufgelöst|auflösen|auflösung|lösche|löschen|löscht|gelöscht|löschung|schließe|schließen|schließt|geschlossen|schließung|beende|beenden|beendet|beendigung|trete|treten|austreten|ausgetreten|austritt|abbestellen|abbestellt|bestelle\\s+\\w+\\s+ab)\\b[^,.;!?]{0,50}?\\b(?:${DE_REL})\\b|\\b(?:${DE_REL})\\b[^,.;!?]{0,50}?\\b(?:auflösen|aufgelöst|löschen|gelöscht|schließen|geschlossen|beenden|beendet)\\b|\\b(?:löse|lösen|löst)\\b[^,.;!?]{0,50}\\bauf\\b|\\btrete\\b[^,.;!?]{0,50}\\baus\\b|\\baustreten\\b|\\bausgetreten\\b`,
      'g',
    ),
    score: STRONG,
    cue: 'löst den Vertrag oder das Konto auf',
  },
  // not renewing
  { re: /\bnicht\s+(?:mehr\s+)?(?:\w+\s+)?verlänger(?:n|t|e)\b|\bverlänger(?:e|n)\b[^,.;!?]{0,40}\bnicht\b|\bkeine\s+verlängerung\b|\bauslaufen\s+lassen\b|\blass(?:e|en)\b[^,.;!?]{0,40}\b(?:auslaufen|enden)\b/g, score: STRONG, cue: 'verlängert nicht', negNative: true },
  // never again / no longer a customer
  {
    re: /^\s*(?:nie\s+(?:wieder|mehr)|nimmer\s*mehr)\s*$|\bnie\s+(?:wieder|mehr)\b(?=[^,.;!?]{0,40}\b(?:fliege|fliegen|flieg|buche|buchen|bestelle|bestellen|kaufe|kaufen|nutze|nutzen|benutze|benutzen|komme|kommen|kunde|kundin|empfehle|bei ihnen|bei euch|mit ihnen|mit euch|mit dir|bei dir|ihr\w*\s+\w+)\b)|\b(?:fliege|flieg|buche|bestelle|kaufe|nutze|benutze|komme)\b[^,.;!?]{0,40}\bnie\s+(?:wieder|mehr)\b|\b(?:bestelle|bestellen|buche|buchen|fliege|fliegen|kaufe|kaufen|nutze|nutzen|benutze|benutzen|komme|kommen|fahre|fahren)\b[^,.;!?]{0,30}\bnicht mehr\b|\bnicht mehr\b[^,.;!?]{0,30}\b(?:bestellen|buchen|fliegen|kaufen|nutzen|benutzen|kommen|kunde|kundin)\b|\bkeine?n?\s+(?:kunden?|kundin)\s+mehr\b|\b(?:kunden?|kundin)\s+verloren\b|\bden\s+rücken\s+(?:kehren|gekehrt)\b|\bkehre\b[^,.;!?]{0,30}\bden\s+rücken\b|\bdas\s+war'?s\s+(?:für mich|mit (?:ihnen|euch|dir))\b|\bbin\s+(?:ich\s+)?weg\b|\bich\s+bin\s+raus\b/g,
    score: STRONG,
    cue: 'kommt nicht wieder',
    negNative: true,
  },
  // number porting
  { re: /\brufnummern?mitnahme\b|\bportierung\w*\b|\bportier(?:e|en|t)\b|\b(?:nummer|rufnummer)\s+mit(?:nehmen|genommen)\b|\bnehme\b[^,.;!?]{0,30}\bnummer\s+mit\b/g, score: STRONG, cue: 'nimmt die Rufnummer mit' },
  // money out, looking for someone else
  {
    re: new RegExp(
      `\\bziehe\\b[^,.;!?]{0,40}\\b(?:geld|alles|guthaben|ersparnisse|depot)\\b[^,.;!?]{0,20}\\bab\\b|\\bsuche\\s+(?:mir\\s+)?(?:jetzt\\s+)?(?:einen?|eine)\\s+(?:neuen?|andere[nr]?|günstigeren?|besseren?)\\s+(?:${DE_PROVIDER})\\b|\\b(?:konto|vertrag|police)\\s+bei\\s+(?:einer|einem)\\s+anderen\\b`,
      'g',
    ),
    score: WEAK,
    cue: 'geht zu einem anderen Anbieter',
  },
];

const DE_TRIGGER = /kündig|wechs|konkurrenz|woanders|anderswo|steig|lös|schließ|beend|trete|austr|abbestell|bestelle|verlänger|auslauf|laufen lassen|nie |nie$|nimmer|nicht mehr|kunde|kundin|rücken|war'?s|weg\b|raus\b|rufnummer|portier|nummer|ziehe|suche|anderen/;

const DE_NEG = /\b(?:nicht|kein|keine|keinen|keinem|keiner|nie|niemals|keinesfalls|auf keinen fall)\b/;
const DE_COND_VERB = /\b(?:ist|sind|wird|werden|klappt|läuft|kommt|passiert|funktioniert|behoben|gelöst|erstattet|repariert|geklärt|erledigt|reguliert|bezahlt|gezahlt|ändert|meldet|antwortet|reagiert|hilft)\b/;
const DE_THIRD = /\b(?:meine?|unsere?|seine?|ihre?)\s+(?:\w+\s+)?(?:mutter|vater|frau|mann|sohn|tochter|freund|freundin|kollege|kollegin|chef|chefin|nachbar|nachbarin|eltern|oma|opa|schwester|bruder|partner|partnerin|familie|kinder|tante|onkel)\b|\b(?:er|viele|alle|andere|kunden|leute)\b/;
const DE_PROVIDER_ACT = /\bSie\s+(?:haben|hat)\b|\b(?:haben|hat)\s+Sie\b|\b(?:wurde|wurden|worden)\b|\bmir\s+(?:\w+\s+){0,2}gekündigt\b|\buns\s+(?:\w+\s+){0,2}gekündigt\b|\b(?:die|ihre|eure)\s+(?:bank|firma|versicherung)\s+(?:hat|haben)\b/;
/** The writer speaks for themselves or addresses the provider (ich, wir, mein, bitte, Sie, euch). */
const DE_SPEAKER = /\b(?:[Ii]ch|[Ww]ir|[Mm]ein\w*|[Uu]nser\w*|[Mm]ir|[Mm]ich|[Uu]ns|[Bb]itte|Sie|Ihnen|Ihr\w*|[Ee]uch|[Ee]uer\w*|[Hh]iermit|ICH|WIR)\b|\b[Tt]rotz\s+(?:\w+\s+)?[Kk]ündigung\b/;
const DE_QUESTION_START = /^\s*(?:wie|kann|könnte|können|darf|wo|was|ist es möglich|geht das|wann)\b/;

function deClauses(text: string): string[] {
  return text.split(/[.!?;:\n]+|,|\s+(?:aber|weil|denn|obwohl|sondern|und dann)\s+/).filter((s) => s.trim());
}

function deHits(clause: string, original: string, sentenceIsQuestion: boolean, speaker: boolean): Hit[] {
  const out: Hit[] = [];
  for (const p of DE) {
    p.re.lastIndex = 0;
    for (let m = p.re.exec(clause); m; m = p.re.exec(clause)) {
      if (/^(?:ge)?kündig/.test(m[0]) && DE_PROVIDER_ACT.test(original)) continue; // "Sie haben meinen Vertrag gekündigt"
      // "kündigt ... an" (announces), "Bahn-Chef kündigt": third person is someone else acting
      if (/^kündigt(?:e|en)?$/.test(m[0]) && (!/\b(?:ich|wir)\b/.test(clause) || /\ban\s*$/.test(clause))) continue;
      if (/^kündig/.test(m[0]) && /\ban\s*$/.test(clause.slice(m.index))) continue;
      if (!p.negNative && !speaker) continue; // news, reports, other people: nobody here is leaving us
      if (!p.negNative) {
        // German negation may follow the verb ("ich kündige meinen Vertrag nicht"), so the
        // whole clause counts, unless the negation sits in a condition ("wenn das nicht
        // klappt, kündige ich" — split at the comma — or without comma followed by its verb).
        const negAt = clause.search(DE_NEG);
        if (negAt >= 0) {
          const negWord = clause.slice(negAt).match(DE_NEG)![0];
          const between = negAt < m.index ? clause.slice(negAt + negWord.length, m.index) : '';
          const isCondition = negAt < m.index && DE_COND_VERB.test(between);
          // "keine Lust mehr" / "nicht mehr zufrieden" are reasons, not negation of the act
          const isReason = /^(?:nicht|kein\w*)\s+(?:mehr\s+)?(?:zufrieden|lust|bock|geduld|vertrauen)\b/.test(clause.slice(negAt));
          if (!isCondition && !isReason) continue;
        }
      }
      const before = clause.slice(0, m.index);
      const tail = before.split(/\s+/).slice(-6).join(' ');
      if (DE_THIRD.test(tail) && !/\b(?:ich|wir)\b/.test(clause)) {
        out.push({ score: 0, cue: 'jemand anderes will gehen' });
        continue;
      }
      const question = sentenceIsQuestion && DE_QUESTION_START.test(clause);
      out.push({ score: question ? Math.min(p.score, QUESTION) : p.score, cue: `${p.cue} ("${m[0].trim().slice(0, 60)}")` });
    }
  }
  return out;
}

// ---------------------------------------------------------------- entry

const fold = (s: string) => s.replace(/[’‘`´]/g, "'").replace(/\s+/g, ' ');

/** Stated intent to leave in one text; cheap when the text has no leaving word. */
export function detectChurnIntent(text: string, lang: Language): ChurnIntentResult {
  const folded = fold(text);
  const lower = folded.toLowerCase();
  if (!(lang === 'de' ? DE_TRIGGER : EN_TRIGGER).test(lower)) return NONE;
  const hits: Hit[] = [];
  // sentences keep their end mark so questions can be told apart
  const sentences = folded.match(/[^.!?\n]+[.!?]*/g) ?? [folded];
  for (const sentence of sentences) {
    const isQuestion = /\?\s*$/.test(sentence);
    if (lang === 'de') {
      const speaker = DE_SPEAKER.test(sentence) || DE_SPEAKER.test(folded);
      for (const clause of deClauses(sentence)) hits.push(...deHits(clause.toLowerCase(), clause, isQuestion, speaker));
    } else {
      for (const clause of enClauses(sentence.toLowerCase())) hits.push(...enHits(clause, isQuestion));
    }
  }
  if (!hits.length) return NONE;
  let best = hits[0];
  for (const h of hits) if (h.score > best.score) best = h;
  const cues = best.score > 0 ? [`states an intent to leave: ${best.cue}`] : [best.cue];
  return { churnIntent: best.score, cues };
}
