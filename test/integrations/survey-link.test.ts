import { expect } from 'chai';
import { isBoundTo, recipientBinding, signSurveyToken, verifySurveyToken } from '../../integrations/survey-link';

describe('signed survey links', () => {
  const now = Date.parse('2026-11-22T12:00:00Z');
  const outreach = { id: 'cust-1/1', customerId: 'cust-1', startedAt: '2026-11-22T11:00:00.000Z' };
  const r = recipientBinding('s3cret', outreach);
  const token = signSurveyToken('s3cret', { o: 'cust-1/1', e: now / 1000 + 60, r });

  it('verifies its own token until it expires', () => {
    expect(verifySurveyToken('s3cret', token, now)).to.deep.equal({ ok: true, claims: { o: 'cust-1/1', e: now / 1000 + 60, r } });
    expect(verifySurveyToken('s3cret', token, now + 61_000)).to.include({ ok: false, reason: 'expired' });
  });

  it('refuses another secret, a changed payload and garbage', () => {
    expect(verifySurveyToken('other', token, now)).to.deep.equal({ ok: false, reason: 'invalid' });
    const [, sig] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ o: 'cust-2/1', e: now / 1000 + 60, r })).toString('base64url')}.${sig}`;
    expect(verifySurveyToken('s3cret', forged, now)).to.deep.equal({ ok: false, reason: 'invalid' });
    expect(verifySurveyToken('s3cret', 'abc', now)).to.deep.equal({ ok: false, reason: 'invalid' });
  });

  it('refuses a correctly signed token of the older form without a recipient binding', () => {
    const old = signSurveyToken('s3cret', { o: 'cust-1/1', e: now / 1000 + 60 } as never);
    expect(verifySurveyToken('s3cret', old, now)).to.deep.equal({ ok: false, reason: 'invalid' });
  });

  it('is bound to its outreach and recipient: another customer or a later outreach of the same id does not match', () => {
    const claims = (verifySurveyToken('s3cret', token, now) as { claims: Parameters<typeof isBoundTo>[1] }).claims;
    expect(isBoundTo('s3cret', claims, outreach)).to.equal(true);
    expect(isBoundTo('s3cret', claims, { ...outreach, customerId: 'cust-2' })).to.equal(false);
    expect(isBoundTo('s3cret', claims, { ...outreach, startedAt: '2026-11-23T11:00:00.000Z' }), 'same id reused after erasure').to.equal(false);
    expect(isBoundTo('s3cret', claims, { ...outreach, id: 'cust-1/2' })).to.equal(false);
    expect(isBoundTo('s3cret', { ...claims, r: 'x' }, outreach)).to.equal(false);
    expect(r, 'no personal data in the token').to.not.include('cust-1');
  });
});
