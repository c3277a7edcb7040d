import type { Language } from './types';

// Function words are the cheapest reliable signal for en vs de on short texts;
// umlauts/ß break ties for texts with no stopwords at all.
const DE_WORDS = new Set(
  'der die das und ist nicht ich ein eine einen dem den des mit von zu auf für fur im in wir sie es auch noch wieder schon aber oder wie was wenn bei nach aus sehr mal kein keine nur heute hat habe haben sind war wurde werden wird bahn zug mein meine mir mich dich uns euch ihr euer bitte danke leider warum gibt doch dass weil über um vom zum zur am ab'.split(' '),
);
const EN_WORDS = new Set(
  'the and is not i a an to of in on for with my me you your we our it this that was were be been have has had do does did no but or if at from by so just can will would get got what why when how please thanks thank flight service again still never very really'.split(' '),
);

/** Returns 'en' or 'de'. A valid hint ('de', 'de-DE', 'german') wins over detection. */
export function detectLanguage(text: string, hint?: string): Language {
  const h = hint?.trim().toLowerCase();
  if (h) {
    if (h === 'de' || h.startsWith('de-') || h.startsWith('de_') || h === 'german' || h === 'deutsch') return 'de';
    if (h === 'en' || h.startsWith('en-') || h.startsWith('en_') || h === 'english') return 'en';
  }
  let de = 0;
  let en = 0;
  const words = text.toLowerCase().match(/[a-zäöüß]+/g) ?? [];
  for (const w of words) {
    if (DE_WORDS.has(w)) de++;
    if (EN_WORDS.has(w)) en++;
  }
  if (/[äöüß]/i.test(text)) de += 1.5;
  return de > en ? 'de' : 'en';
}
