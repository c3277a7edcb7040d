import { expect } from 'chai';
import { signSurveyToken, verifySurveyToken } from '../../integrations/survey-link';

describe('signed survey links', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const token = signSurveyToken('s3cret', { o: 'cust-1/1', e: now / 1000 + 60 });

  it('verifies its own token until it expires', () => {
    expect(verifySurveyToken('s3cret', token, now)).to.deep.equal({ ok: true, claims: { o: 'cust-1/1', e: now / 1000 + 60 } });
    expect(verifySurveyToken('s3cret', token, now + 61_000)).to.include({ ok: false, reason: 'expired' });
  });

  it('refuses another secret, a changed payload and garbage', () => {
    expect(verifySurveyToken('other', token, now)).to.deep.equal({ ok: false, reason: 'invalid' });
    const [, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ o: 'cust-2/1', e: now / 1000 + 60 })).toString('base64url')}.${sig}`;
    expect(verifySurveyToken('s3cret', forged, now)).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(verifySurveyToken('s3cret', 'abc', now)).to.deep.equal({ ok: false, reason: 'invalid' });
  });
});
