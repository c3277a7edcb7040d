import { expect } from 'chai';
import { detectLanguage } from '../../analysis/language';

describe('language detection', () => {
  const cases: Array<[string, 'en' | 'de']> = [
    ['The delivery was late again, terrible service, I want a refund', 'en'],
    ['@united my flight got Cancelled Flightled and nobody is answering the phone', 'en'],
    ['thanks for the upgrade!!', 'en'],
    ['Der Zug hatte wieder 40 Minuten Verspätung, unmöglich!', 'de'],
    ['Die S-Bahn fällt schon wieder aus', 'de'],
    ['@DB_Bahn danke für die schnelle Antwort', 'de'],
    ['Schöne Grüße aus München', 'de'],
  ];
  for (const [text, lang] of cases) it(`${lang}: ${text}`, () => expect(detectLanguage(text)).to.equal(lang));

  it('lets a valid hint win over detection', () => {
    expect(detectLanguage('Zug', 'en-US')).to.equal('en');
    expect(detectLanguage('the train', 'de-DE')).to.equal('de');
    expect(detectLanguage('the train', 'German')).to.equal('de');
  });

  it('ignores hints for languages it has no model for', () => {
    expect(detectLanguage('Der Zug ist schon wieder zu spät', 'fr')).to.equal('de');
    expect(detectLanguage('the train is late again', 'fr')).to.equal('en');
  });
});
