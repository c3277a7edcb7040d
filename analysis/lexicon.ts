// Hand-written polarity lexicon (valence -3..+3). Two uses:
//  1. dense features next to the n-grams, so polarity words the corpora saw
//     rarely still count (the airline model otherwise learns "flight
//     attendant" as negative and ignores a rare "wonderful");
//  2. a floor for out-of-domain complaints (banking, retail), whose topic
//     words the airline and rail corpora never saw.
// Entries ending in '*' match any word with that prefix (German inflection).
import type { Language } from './types';

const EN = `
bad:-2 terrible:-3 awful:-3 horrible:-3 horrendous:-3 worst:-3 worse:-2 poor:-2 poorly:-2 hate:-3 hated:-3 hates:-3
angry:-3 furious:-3 mad:-2 upset:-2 disappointed:-2 disappointing:-2 disappointment:-2 unacceptable:-3 ridiculous:-2
absurd:-2 rude:-3 useless:-2 incompetent:-3 incompetence:-3 unprofessional:-3 pathetic:-3 disgusting:-3 disgraceful:-3
disgrace:-3 shameful:-3 shame:-2 frustrated:-2 frustrating:-2 frustration:-2 annoyed:-2 annoying:-2 irritated:-2
fail:-2 failed:-2 fails:-2 failure:-2 fault:-1 broken:-2 damaged:-2 lost:-1 stuck:-2 stranded:-2 delayed:-1 delay:-1
delays:-1 cancelled:-1 canceled:-1 missed:-1 wrong:-2 error:-1 errors:-1 mistake:-1 problem:-1 problems:-1 issue:-1
issues:-1 complaint:-2 complain:-2 complained:-2 unhelpful:-2 ignored:-2 ignore:-2 ignoring:-2 nightmare:-3 mess:-2
chaos:-2 sucks:-3 suck:-3 crap:-3 crappy:-3 wtf:-3 joke:-1 scam:-3 fraud:-3 fraudulent:-3 unauthorized:-2 overcharged:-3
overcharge:-3 ripoff:-3 robbed:-3 stole:-3 stolen:-3 misleading:-2 lied:-3 lie:-2 lies:-2 liar:-3 harassing:-3 harassment:-3
threatening:-2 unfair:-2 unreasonable:-2 outrageous:-3 appalling:-3 atrocious:-3 miserable:-3 misery:-3 sad:-2 unhappy:-2
dissatisfied:-2 sick:-2 tired:-1 worst:-3 never:-1 nobody:-1 refund:-1 denied:-2 refused:-2 refuse:-2 rejected:-2 declined:-1
penalty:-1 penalized:-2 fees:-1 overdraft:-1 hidden:-1 nonexistent:-2 unreliable:-2 inconvenience:-2 inconvenient:-2
hassle:-2 waste:-2 wasted:-2 wasting:-2 hours:-1 forever:-1 disaster:-3 dirty:-2 filthy:-3 smelly:-2 cramped:-2
uncomfortable:-2 lousy:-3 garbage:-3 trash:-2 dumb:-2 stupid:-3 idiots:-3 clueless:-2 apology:-1 apologize:-1 sorry:-1
unfortunately:-2 sadly:-2 ugh:-2 smh:-2 fml:-3 seriously:-1 hostage:-2 lack:-1 lacking:-2 neglect:-2 negligent:-3 careless:-2
good:2 great:3 awesome:3 amazing:3 excellent:3 outstanding:3 fantastic:3 wonderful:3 perfect:3 superb:3 brilliant:3 love:3
loved:3 loving:2 loves:3 like:1 liked:2 enjoy:2 enjoyed:2 happy:2 glad:2 pleased:2 satisfied:2 thank:2 thanks:2 thx:2
thankyou:2 grateful:3 appreciate:2 appreciated:2 helpful:2 friendly:2 kind:2 nice:2 pleasant:2 smooth:2 quick:1 fast:1
easy:1 comfortable:2 clean:1 best:3 better:1 impressed:2 impressive:2 kudos:3 props:2 shoutout:2 beautiful:2 fun:2
funny:1 cool:2 sweet:2 yay:2 woohoo:3 wow:1 recommend:2 professional:2 courteous:2 efficient:2 reliable:2 resolved:1
fixed:1 solved:1 congrats:2 congratulations:2 welcome:1 pleasure:2 delighted:3 fabulous:3 incredible:2 stellar:3 rock:1
rocks:2 hero:2 heroes:2 lifesaver:3 gracious:2 attentive:2 accommodating:2 generous:2 ontime:2 fav:2 favorite:2 favourite:2
`;

const DE = `
schlecht*:-2 schlimm*:-2 furchtbar*:-3 schrecklich*:-3 katastroph*:-3 unmöglich*:-2 ärger*:-2 verärger*:-2 verspät*:-2
verspaet*:-2 ausfall:-2 ausfälle:-2 ausgefallen:-2 fällt:-1 kaputt*:-2 defekt*:-2 unfreundlich*:-2 chaos:-3 chaotisch*:-3
dreckig*:-2 schmutzig*:-2 überfüllt*:-2 ueberfuellt*:-2 nervig*:-2 nervt:-2 genervt*:-2 nerven:-1 enttäusch*:-2 frechheit*:-3
unverschämt*:-3 mies*:-2 peinlich*:-2 wütend*:-3 sauer:-2 problem*:-1 störung*:-2 stoerung*:-2 streik*:-2 warnstreik*:-2
zumutung*:-3 skandal*:-3 fehler*:-1 falsch*:-1 versagen:-2 versagt:-2 versager*:-3 scheiße*:-3 scheisse*:-3 scheiß*:-3
kacke:-3 mist:-2 blöd*:-2 doof*:-2 dumm*:-2 idiot*:-3 hasse*:-3 hass:-3 verpasst:-2 verpass*:-2 gestrichen:-2 umleitung*:-1
unterbroch*:-2 gesperrt*:-2 sperrung*:-2 stillstand:-2 steht:-1 stecken:-1 festgesteckt*:-2 warten:-1 wartet:-1 gewartet:-1
wartezeit*:-1 ewig*:-2 stunden:-1 leider:-2 traurig*:-2 unzufrieden*:-2 beschwer*:-2 reklamation*:-2 teuer*:-1 abzocke*:-3
abgezockt*:-3 betrug*:-3 betrüg*:-3 unpünktlich*:-2 unzuverlässig*:-2 überlastet*:-2 eng:-1 heiß:-1 kalt:-1 stinkt:-2
stinkend*:-2 laut:-1 lärm*:-1 unfall*:-2 verletzt*:-2 tot:-2 tote*:-2 getötet*:-3 brand*:-1 gefährlich*:-2 angst*:-2
unglaublich:-1 wahnsinn*:-1 super-gau:-3 desaster*:-3 bahnchaos*:-3 zugausfall*:-2 ausfälle*:-2 pech:-1 grr*:-2 argh*:-2
ätzend*:-3 lächerlich*:-2 unzumutbar*:-3 fail:-2 epic:0 sinnlos*:-2 nutzlos*:-2 armselig*:-3 schwach*:-1
gut:2 gute:2 guten:1 guter:2 gutes:2 super:3 toll*:3 prima:3 danke*:2 dank:1 freundlich*:2 pünktlich*:2 puenktlich*:2
schön*:2 schoen*:2 klasse:2 perfekt*:3 hervorragend*:3 angenehm*:2 zufrieden*:2 lob:2 loben:2 lobt:2 freu*:2 genial*:3
entspannt*:2 bequem*:2 sauber*:1 hilfsbereit*:2 großartig*:3 grossartig*:3 wunderbar*:3 spitze:2 besser:1 beste*:2
liebe:2 lieben:2 glücklich*:2 gluecklich*:2 cool:2 geil*:2 schnell:1 zuverlässig*:2 komfortabel*:2 empfehlen*:2 bravo:3
kompliment*:2 gelungen*:2 einigung*:1 pünktlichkeit:1 yay:2 juhu:2
`;

// Emoji and emoticons mean the same in both languages.
const SYMBOLS = `
😡:-3 😠:-3 🤬:-3 😤:-2 😢:-2 😭:-2 😞:-2 😩:-2 😫:-2 🙄:-2 😒:-2 👎:-2 💩:-3 😑:-1 😐:-1 😕:-1 😔:-2 ☹:-2 🙁:-2
😣:-2 😖:-2 🤦:-2 😱:-1 😾:-2 💔:-2 😪:-1 🤢:-3 🤮:-3
😊:2 😀:2 😃:2 😄:2 😁:2 😍:3 🥰:3 ❤:3 💕:3 💙:2 💜:2 💛:2 💚:2 ♥:3 👍:2 👏:2 🙌:2 🙏:1 🎉:2 😎:2 ✨:1 💯:2 😘:2 ☺:2
🙂:1 😉:1 🤗:2 👌:2 😆:2 🥳:3 ✅:1
:):2 :d:2 ;):1 =):2 :p:1 :(:-2 :/:-1 :|:-1 =(:-2 :\\:-1
`;

export interface Lexicon {
  exact: Map<string, number>;
  prefixes: Map<string, number>;
  minPrefix: number;
}

function parse(src: string): Lexicon {
  const exact = new Map<string, number>();
  const prefixes = new Map<string, number>();
  let minPrefix = Infinity;
  for (const item of src.split(/\s+/)) {
    if (!item) continue;
    const i = item.lastIndexOf(':');
    const word = item.slice(0, i);
    const v = Number(item.slice(i + 1));
    if (word.endsWith('*')) {
      const p = word.slice(0, -1);
      prefixes.set(p, v);
      minPrefix = Math.min(minPrefix, p.length);
    } else exact.set(word, v);
  }
  return { exact, prefixes, minPrefix: Number.isFinite(minPrefix) ? minPrefix : 99 };
}

export const LEXICONS: Record<Language, Lexicon> = { en: parse(EN + SYMBOLS), de: parse(DE + SYMBOLS) };

/** Valence of one lowercased token, 0 if unknown. Longest matching prefix wins. */
export function valence(lex: Lexicon, token: string): number {
  const v = lex.exact.get(token);
  if (v !== undefined) return v;
  for (let n = token.length; n >= lex.minPrefix; n--) {
    const p = lex.prefixes.get(n === token.length ? token : token.slice(0, n));
    if (p !== undefined) return p;
  }
  return 0;
}

export interface LexiconStats {
  pos: number;
  neg: number;
  nPos: number;
  nNeg: number;
  /** Strongest negative words, for operator cues. */
  negWords: string[];
}

/**
 * Polarity totals over negation-marked tokens ("¬good" counts as mildly
 * negative, "¬bad" as mildly positive).
 */
export function lexiconStats(tokens: readonly string[], lang: Language): LexiconStats {
  const lex = LEXICONS[lang];
  const s: LexiconStats = { pos: 0, neg: 0, nPos: 0, nNeg: 0, negWords: [] };
  for (const t of tokens) {
    const negated = t.charCodeAt(0) === 0xac; // '¬'
    const w = negated ? t.slice(1) : t;
    let v = valence(lex, w);
    if (v === 0) continue;
    if (negated) v *= -0.5;
    if (v > 0) {
      s.pos += v;
      s.nPos++;
    } else {
      s.neg -= v;
      s.nNeg++;
      if (v <= -2 && s.negWords.length < 3) s.negWords.push(w);
    }
  }
  return s;
}
