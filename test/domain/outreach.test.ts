import { expect } from 'chai';
import {
  checkContactPressure,
  chooseChannel,
  classifyNps,
  DEFAULT_OUTREACH_POLICY as P,
  firstNameOf,
  inQuietHours,
  msUntilQuietHoursEnd,
  nextStepFor,
  npsFromReply,
  outreachTrigger,
  parseQuietHours,
  reminderMessage,
  smsKeyword,
  surveyMessage,
  type ContactProfile,
} from '../../domain/outreach';

const DAY = 24 * 3600_000;
const q = parseQuietHours('21:00-08:00');

describe('outreach policy (pure)', () => {
  describe('quiet hours in the customer’s time zone', () => {
    it('waits from 22:30 Berlin time (CET) until 08:00 the next morning', () => {
      const at = Date.parse('2026-11-22T21:30:00Z'); // 22:30 in Berlin (UTC+1)
      expect(inQuietHours(at, 'Europe/Berlin', q)).to.equal(true);
      expect(new Date(at + msUntilQuietHoursEnd(at, 'Europe/Berlin', q)).toISOString()).to.equal('2026-11-23T07:00:00.000Z');
    });
    it('does not wait at noon, and judges by the customer’s zone, not the server’s', () => {
      const at = Date.parse('2026-11-22T11:00:00Z');
      expect(msUntilQuietHoursEnd(at, 'Europe/Berlin', q)).to.equal(0);
      // The same instant is 22:00 in Sydney (UTC+11): quiet there.
      expect(inQuietHours(at, 'Australia/Sydney', q)).to.equal(true);
    });
    it('is inclusive at the start and exclusive at the end', () => {
      expect(inQuietHours(Date.parse('2026-06-01T19:00:00Z'), 'Europe/Berlin', q)).to.equal(true); // 21:00 CEST
      expect(inQuietHours(Date.parse('2026-06-01T06:00:00Z'), 'Europe/Berlin', q)).to.equal(false); // 08:00 CEST
      expect(inQuietHours(Date.parse('2026-06-01T05:59:59Z'), 'Europe/Berlin', q)).to.equal(true);
    });
    it('handles a window within one day and the night of a DST change', () => {
      const lunch = parseQuietHours('12:00-13:30');
      expect(msUntilQuietHoursEnd(Date.parse('2026-11-22T12:15:00Z'), 'UTC', lunch)).to.equal(75 * 60_000);
      // 2026-03-29 02:00 CET → 03:00 CEST: from 23:00 CET the night is an hour shorter.
      const at = Date.parse('2026-03-28T22:00:00Z');
      expect(new Date(at + msUntilQuietHoursEnd(at, 'Europe/Berlin', q)).toISOString()).to.equal('2026-03-29T06:00:00.000Z');
    });
    it('parses the configuration format and refuses nonsense', () => {
      expect(parseQuietHours('off')).to.equal(null);
      expect(parseQuietHours('21:00-08:00')).to.deep.equal({ startSec: 75600, endSec: 28800 });
      expect(() => parseQuietHours('25:00-08:00')).to.throw(/not a time of day/);
      expect(() => parseQuietHours('evening')).to.throw(/21:00-08:00/);
    });
  });

  describe('channel choice from consents', () => {
    const base: ContactProfile = { phone: '+4915112345678', email: 'a@example.com', consents: { sms: true, email: true, analysis: true }, smsOptedOut: false };
    it('prefers SMS, falls back to email, and needs consent for either', () => {
      expect(chooseChannel(base)).to.equal('sms');
      expect(chooseChannel({ ...base, consents: { ...base.consents, sms: false } })).to.equal('email');
      expect(chooseChannel({ ...base, phone: null })).to.equal('email');
      expect(chooseChannel({ ...base, consents: { sms: false, email: false, analysis: true } })).to.equal(null);
    });
    it('a STOP opt-out beats the SMS consent', () => {
      expect(chooseChannel({ ...base, smsOptedOut: true, consents: { ...base.consents, email: false } })).to.equal(null);
    });
  });

  describe('contact-pressure budget', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    it('allows one survey per 14 days', () => {
      expect(checkContactPressure([{ at: now - 13 * DAY, kind: 'survey' }], 'survey', now, P)).to.deep.equal({ ok: false, reason: 'survey_fatigue' });
      expect(checkContactPressure([{ at: now - 15 * DAY, kind: 'survey' }], 'survey', now, P)).to.deep.equal({ ok: true });
    });
    it('caps all messages per week, reminders included', () => {
      const three = [1, 2, 3].map((d) => ({ at: now - d * DAY, kind: 'reminder' as const }));
      expect(checkContactPressure(three, 'reminder', now, P)).to.deep.equal({ ok: false, reason: 'weekly_message_limit' });
      expect(checkContactPressure(three.slice(1), 'reminder', now, P)).to.deep.equal({ ok: true });
    });
  });

  describe('answers', () => {
    it('classifies NPS at its boundaries and decides the next step', () => {
      expect([0, 6, 7, 8, 9, 10].map(classifyNps)).to.deep.equal(['detractor', 'detractor', 'passive', 'passive', 'promoter', 'promoter']);
      expect(() => classifyNps(11)).to.throw(RangeError);
      expect(nextStepFor(3)).to.equal('escalate');
      expect(nextStepFor(null)).to.equal('escalate');
      expect(nextStepFor(10)).to.equal('recovered');
      expect(nextStepFor(7)).to.equal('neutral');
    });
    it('recognises carrier keywords and numeric replies', () => {
      expect(['STOP', ' stop ', 'Unsubscribe', 'STOPP'].map(smsKeyword)).to.deep.equal(['stop', 'stop', 'stop', 'stop']);
      expect(['UNSTOP', 'start'].map(smsKeyword)).to.deep.equal(['start', 'start']);
      expect(smsKeyword('help')).to.equal('help');
      expect(smsKeyword('please stop calling me')).to.equal(null);
      expect(npsFromReply(' 3 ')).to.equal(3);
      expect(npsFromReply('11')).to.equal(null);
      expect(npsFromReply('3 stars')).to.equal(null);
    });
  });

  describe('trigger', () => {
    it('starts on a high tier or a churn alert, never while a legal threat is open', () => {
      expect(outreachTrigger({ tier: 'high', newAlertTypes: [], openAlertTypes: [] }, P)).to.deep.equal({ start: true, reason: 'tier:high' });
      expect(outreachTrigger({ tier: 'moderate', newAlertTypes: ['churn_signal'], openAlertTypes: ['churn_signal'] }, P).start).to.equal(true);
      expect(outreachTrigger({ tier: 'moderate', newAlertTypes: [], openAlertTypes: [] }, P).start).to.equal(false);
      expect(outreachTrigger({ tier: 'critical', newAlertTypes: ['churn_signal'], openAlertTypes: ['legal_threat'] }, P)).to.deep.equal({
        start: false,
        reason: 'legal_threat_open',
      });
    });
  });

  describe('the name in a message', () => {
    const link = 'https://engage.example.test/s/t.s';
    it('uses only a validated first name', () => {
      expect(firstNameOf('Lea Müller')).to.equal('Lea');
      expect(firstNameOf('  Jean-Luc Picard')).to.equal('Jean-Luc');
      expect(firstNameOf("D'Arcy")).to.equal("D'Arcy");
      expect(firstNameOf('Zoë')).to.equal('Zoë');
      expect(firstNameOf('Zoe\u0308'), 'combining marks, normalized').to.equal('Zoë');
      expect(firstNameOf('Αλέξης Π.')).to.equal('Αλέξης');
      expect(firstNameOf('明 李')).to.equal('明');
    });
    it('gives no name for anything that is not one', () => {
      for (const bad of [
        null,
        '',
        '   ',
        'http://evil.example/win',
        'www.evil.example',
        'Call+491511234567',
        'Alex2',
        '<b>Alex</b>',
        'Alex!',
        '-Alex',
        "Alex'",
        'Al--ex',
        'A'.repeat(31),
        '\u202eAlex',
        'Al\u200bex',
        '😀',
        'CLICK:https://x.y',
      ]) {
        expect(firstNameOf(bad), JSON.stringify(bad)).to.equal(null);
      }
      expect(firstNameOf('A'.repeat(30))).to.equal('A'.repeat(30));
    });
    it('never puts profile text verbatim into the survey or reminder SMS', () => {
      const name = 'Visit http://evil.example/pay now';
      for (const msg of [surveyMessage('en', name, link), reminderMessage('de', name, link), surveyMessage('de', name, link), reminderMessage('en', name, link)]) {
        expect(msg).to.not.include('evil');
        expect(msg).to.include(link);
      }
      expect(surveyMessage('en', 'http://evil.example/pay Lea', link)).to.match(/^Hi, we're sorry/);
      expect(surveyMessage('en', 'Lea Müller <script>', link)).to.match(/^Hi Lea, /);
      expect(reminderMessage('de', 'Lea Müller', link)).to.match(/^Hallo Lea, /);
    });
  });
});
