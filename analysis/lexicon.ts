import type { Language } from './types';

// Small hand-written polarity lexicon. It backs up the trained model on
// out-of-domain text (e.g. bank complaints) and is the whole sentiment model
// when no trained bundle is available.
const NEG_EN = 'bad terrible awful horrible worst worse hate hated angry upset disappointed disappointing unacceptable ridiculous rude useless poor fail failed failure late delayed delay cancelled canceled lost broken damaged refund complaint complain wrong never nobody stuck waiting unhelpful incompetent disgusting pathetic frustrated frustrating annoyed scam fraud fraudulent unauthorized overcharged charged error denied ignored problem issue issues disgrace shame sucks crap nightmare mess'.split(' ');
const POS_EN = 'good great awesome amazing love loved excellent thank thanks thx best nice happy wonderful fantastic perfect appreciate appreciated helpful friendly smooth kudos glad enjoy enjoyed pleasant impressed beautiful'.split(' ');
const NEG_DE = 'schlecht schlechter schlechteste schlimm furchtbar schrecklich katastrophe katastrophal unmöglich ärgerlich ärger verspätung verspätet verspätungen ausfall ausgefallen kaputt defekt unfreundlich chaos dreckig schmutzig überfüllt voll nervig nervt genervt enttäuscht enttäuschend frechheit unverschämt unverschämtheit mies peinlich wütend sauer problem probleme störung streik warten wartezeit nie niemand katastrophal skandal zumutung fehler falsch'.split(' ');
const POS_DE = 'gut super toll prima danke dank freundlich pünktlich schön klasse perfekt hervorragend angenehm zufrieden lob loben freue freuen genial entspannt bequem sauber hilfsbereit'.split(' ');

const LEX: Record<Language, Map<string, number>> = { en: new Map(), de: new Map() };
for (const w of NEG_EN) LEX.en.set(w, -1);
for (const w of POS_EN) LEX.en.set(w, 1);
for (const w of NEG_DE) LEX.de.set(w, -1);
for (const w of POS_DE) LEX.de.set(w, 1);

/** Sum of lexicon polarities over the given tokens (already lowercased). */
export function lexiconScore(tokens: readonly string[], lang: Language): number {
  const lex = LEX[lang];
  let s = 0;
  for (const t of tokens) s += lex.get(t) ?? 0;
  return s;
}
