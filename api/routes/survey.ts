// The survey behind the signed link: an HTML form that works without JavaScript (GET/POST /s/:token)
// and the same as JSON (GET/POST /v1/surveys/:token).
import express, { Router, type Request, type Response } from 'express';
import type { Db } from '../../db';
import { getOutreach, type OutreachRow } from '../../db/outreach';
import { getProfile } from '../../db/profiles';
import { DomainError, GoneError, NotFoundError } from '../../domain/errors';
import { localeOf, type Locale } from '../../domain/outreach';
import { isBoundTo, verifySurveyToken } from '../../integrations/survey-link';
import { parse } from '../errors';
import type { OutreachService } from '../outreach-service';
import { SurveyAnswerSchema, SurveyFormAnswerSchema } from '../outreach-schemas';

const TEXT = {
  en: {
    title: 'How are we doing?',
    question: 'How likely are you to recommend us to a friend or colleague?',
    low: 'not at all likely',
    high: 'extremely likely',
    comment: 'What is the most important reason for your score? (optional)',
    submit: 'Send',
    thanks: 'Thank you! Your answer has been recorded. Someone from our team will follow up if we can do better.',
    answered: 'This survey has already been answered. Thank you!',
    expired: 'This survey link has expired.',
    invalid: 'This survey link is not valid.',
    missing: 'Please choose a score from 0 to 10.',
  },
  de: {
    title: 'Wie zufrieden sind Sie?',
    question: 'Wie wahrscheinlich ist es, dass Sie uns einem Freund oder Kollegen empfehlen?',
    low: 'sehr unwahrscheinlich',
    high: 'sehr wahrscheinlich',
    comment: 'Was ist der wichtigste Grund für Ihre Bewertung? (optional)',
    submit: 'Absenden',
    thanks: 'Vielen Dank! Ihre Antwort wurde gespeichert. Wir melden uns, wenn wir etwas besser machen können.',
    answered: 'Diese Umfrage wurde bereits beantwortet. Vielen Dank!',
    expired: 'Dieser Umfragelink ist abgelaufen.',
    invalid: 'Dieser Umfragelink ist ungültig.',
    missing: 'Bitte wählen Sie einen Wert von 0 bis 10.',
  },
} as const;

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(locale: Locale, body: string): string {
  return `<!doctype html>
<html lang="${locale}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(TEXT[locale].title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;line-height:1.5}
fieldset{border:0;padding:0}.scale{display:flex;flex-wrap:wrap;gap:.25rem}.scale label{border:1px solid #888;border-radius:.3rem;padding:.4rem .6rem}
.ends{display:flex;justify-content:space-between;font-size:.85rem;color:#555}textarea{width:100%;min-height:6rem}button{margin-top:1rem;padding:.5rem 1.5rem}</style>
</head><body>${body}</body></html>`;
}

function form(locale: Locale, error?: string): string {
  const t = TEXT[locale];
  const radios = Array.from({ length: 11 }, (_, i) => `<label><input type="radio" name="score" value="${i}" required> ${i}</label>`).join('');
  return page(
    locale,
    `<h1>${esc(t.title)}</h1>${error ? `<p role="alert"><strong>${esc(error)}</strong></p>` : ''}
<form method="post">
<fieldset><legend>${esc(t.question)}</legend><div class="scale">${radios}</div><div class="ends"><span>0 = ${esc(t.low)}</span><span>10 = ${esc(t.high)}</span></div></fieldset>
<p><label for="comment">${esc(t.comment)}</label><br><textarea id="comment" name="comment" maxlength="2000"></textarea></p>
<input type="hidden" name="lang" value="${locale}">
<button type="submit">${esc(t.submit)}</button>
</form>`,
  );
}

export function createSurveyRouter({ db, secret, outreach }: { db: Db; secret: string; outreach: OutreachService }) {
  const router = Router();
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));

  /** The outreach behind a valid token; 404 for a forged or unknown link, 410 for an expired one. */
  async function resolve(token: string): Promise<OutreachRow> {
    const check = verifySurveyToken(secret, token);
    if (!check.ok && check.reason === 'expired') throw new GoneError('this survey link has expired');
    if (!check.ok) throw new NotFoundError('survey', 'link');
    const o = await getOutreach(db, check.claims.o);
    // Signed but made for another outreach or recipient (or before links were bound): as if forged.
    if (!o || !isBoundTo(secret, check.claims, o)) throw new NotFoundError('survey', 'link');
    return o;
  }

  async function localeFor(req: Request, o: OutreachRow | null): Promise<Locale> {
    const asked = (req.query.lang ?? (req.body as Record<string, unknown> | undefined)?.lang) as string | undefined;
    if (asked === 'de' || asked === 'en') return asked;
    if (o) return localeOf((await getProfile(db, o.customerId))?.locale);
    return localeOf(req.acceptsLanguages('de', 'en') || 'en');
  }

  function htmlError(res: Response, locale: Locale, err: unknown) {
    const status = err instanceof GoneError ? 410 : err instanceof NotFoundError ? 404 : 409;
    const t = TEXT[locale];
    const msg = status === 410 ? t.expired : status === 404 ? t.invalid : t.answered;
    res.status(status).type('html').send(page(locale, `<h1>${esc(t.title)}</h1><p>${esc(msg)}</p>`));
  }

  const summary = (o: OutreachRow, locale: Locale) => ({
    outreachId: o.id,
    locale,
    question: { de: TEXT.de.question, en: TEXT.en.question },
    scale: { min: 0, max: 10 },
    answered: o.answer !== null,
    answer: o.answer ? { score: o.answer.score, comment: o.answer.comment, answeredAt: o.answer.answeredAt } : null,
  });

  router.get('/s/:token', async (req, res) => {
    let o: OutreachRow | null = null;
    try {
      o = await resolve(req.params.token);
    } catch (err) {
      if (!(err instanceof DomainError)) throw err;
      return htmlError(res, await localeFor(req, null), err);
    }
    const locale = await localeFor(req, o);
    if (o.answer) return void res.type('html').send(page(locale, `<h1>${esc(TEXT[locale].title)}</h1><p>${esc(TEXT[locale].answered)}</p>`));
    res.type('html').send(form(locale));
  });

  router.post('/s/:token', async (req, res) => {
    const json = Boolean(req.is('application/json'));
    let locale: Locale = 'en';
    try {
      const o = await resolve(req.params.token);
      locale = await localeFor(req, o);
      const body = { ...(req.body ?? {}) } as Record<string, unknown>;
      delete body.lang;
      if (body.comment === '') delete body.comment;
      const { score, comment } = parse(json ? SurveyAnswerSchema : SurveyFormAnswerSchema, body);
      const answer = await outreach.answerSurvey(o.id, score, comment ?? null, json ? 'api' : 'web');
      if (json) return void res.status(201).json({ outreachId: o.id, ...answer });
      res.type('html').send(page(locale, `<h1>${esc(TEXT[locale].title)}</h1><p>${esc(TEXT[locale].thanks)}</p>`));
    } catch (err) {
      if (json || !(err instanceof DomainError)) throw err;
      if (err.code === 'invalid_input') return void res.status(400).type('html').send(form(locale, TEXT[locale].missing));
      htmlError(res, locale, err);
    }
  });

  router.get('/v1/surveys/:token', async (req, res) => {
    const o = await resolve(req.params.token);
    res.json(summary(o, await localeFor(req, o)));
  });

  router.post('/v1/surveys/:token', async (req, res) => {
    const o = await resolve(req.params.token);
    const { score, comment } = parse(SurveyAnswerSchema, req.body ?? {});
    const answer = await outreach.answerSurvey(o.id, score, comment ?? null, 'api');
    res.status(201).json({ outreachId: o.id, ...answer });
  });

  return router;
}
