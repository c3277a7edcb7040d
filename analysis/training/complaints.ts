// Hand-written check set for the unseen-domain guard: consumer complaints
// about financial services, written for this project in the style of
// consumer-bureau complaint narratives (matter-of-fact, often with few
// emotional words). None of these texts is used for training.
import type { TextAnalyzer } from '../types';

export const FINANCE_COMPLAINTS_EN: readonly string[] = [
  'I was charged a $35 overdraft fee even though my balance was positive when the purchase posted. The bank says the transactions were reordered. I want the fee reversed.',
  'My bank charged me a monthly maintenance fee for six months on an account that was advertised as free checking. They refuse to refund it.',
  'A debt collector keeps calling my workplace about a debt that is not mine. I told them several times to stop and they keep calling.',
  'I paid off this credit card in full in 2019 but it still shows as an open account with a balance on my credit report. I disputed it twice and nothing changed.',
  'My mortgage servicer did not apply my payment for March and then charged me a late fee. I have the bank statement showing the money left my account.',
  'The collection agency is reporting a medical bill that my insurance already paid. This has dropped my credit score by 80 points.',
  'I was promised a loan modification in writing, but the servicer started foreclosure proceedings anyway and will not return my calls.',
  'Someone opened a credit card in my name. I filed a police report and sent it to the bureau, but the account is still on my report after 60 days.',
  'The bank froze my account without notice and I cannot pay my rent. Nobody at the branch can tell me why or when it will be released.',
  'I cancelled my subscription in January and the company kept charging my debit card every month since then.',
  'My escrow payment went up by $400 a month with no explanation, and the servicer cannot show me how they calculated the shortage.',
  'I have been trying to close my savings account for three weeks. Every time I call I am transferred and then disconnected.',
  'The dealership added a warranty and gap insurance to my auto loan that I never agreed to. I only found out when I read the contract at home.',
  'A wire transfer of $2,400 never arrived at the recipient and the bank says it is not their responsibility. I still have not got my money back.',
  'The credit bureau merged my file with another person who has the same name. Their late payments are showing on my report and I was denied an apartment.',
  'The debt collector threatened to have me arrested if I did not pay today. They would not send me any written validation of the debt.',
  'My student loan servicer put my loans into forbearance without asking me, so the interest kept growing and I lost months of progress toward forgiveness.',
  'I reported unauthorized charges on my card within two days, but the bank denied my claim and says I authorized them. I did not.',
  'They charged me interest on a balance I paid before the due date. When I called, the representative was dismissive and hung up on me.',
  'Our mortgage application was delayed for two months because the lender kept losing our documents, and we lost our rate lock.',
  'The bank closed my account and is holding my remaining balance of $1,150. I have asked for a check four times.',
  'I keep receiving collection letters for an account that was discharged in my bankruptcy. This is harassment.',
  'My credit limit was cut in half without any notice, which hurt my utilization and my score.',
  'The payday lender took three payments from my account in one week and now I have overdraft fees on top of their charges.',
  'I was told my balance transfer would have zero percent interest for 18 months, but I was charged interest from the first statement.',
  'The servicer says I missed payments during the transfer of my loan to them, but I paid the previous company on time every month.',
  'My identity theft dispute was rejected with a form letter. No one investigated and the fraudulent accounts are still being reported.',
  'The ATM did not give me the cash but my account was debited $200. The bank says the machine balanced and will not credit me.',
  'I have been on hold for over two hours across three calls trying to get a payoff statement for my car loan. This is unacceptable.',
  'The insurance company cancelled my policy for non-payment even though the automatic payment was taken from my account as usual.',
];

// German customer-service complaints outside rail (banking, telecoms, retail)
// plus two rail ones. Caveat: written in the same session as the German
// patterns in analysis/complaint.ts, so this set guards behaviour; it is not
// an independent measurement.
export const SERVICE_COMPLAINTS_DE: readonly string[] = [
  'Seit drei Wochen warte ich auf die Erstattung für den ausgefallenen ICE. Niemand antwortet auf meine E-Mails.',
  'Die App stürzt beim Bezahlen ständig ab, ich konnte kein Ticket kaufen.',
  'Mir wurde die Kontoführungsgebühr doppelt abgebucht und die Hotline legt einfach auf.',
  'Das Paket sollte vor einer Woche ankommen, die Sendungsverfolgung zeigt seit Tagen nichts Neues.',
  'Ich habe meinen Vertrag fristgerecht gekündigt, trotzdem wurde wieder abgebucht.',
  'Der Kundenservice hat mich dreimal weiterverbunden und dann war die Leitung tot.',
  'Die Rechnung ist viel zu hoch, mir wurden Leistungen berechnet, die ich nie bestellt habe.',
  'Schon wieder keine Klimaanlage im Zug, bei 35 Grad ist das eine Zumutung.',
  'Mein Sitzplatz war doppelt reserviert und der Schaffner konnte nicht helfen.',
  'Trotz Zahlung bekomme ich eine Mahnung vom Inkassobüro. Das ist nicht in Ordnung.',
  'Seit dem Update funktioniert der Login nicht mehr, ich komme nicht an mein Konto.',
  'Die Lieferung kam beschädigt an und auf meine Reklamation hat niemand reagiert.',
];

export interface ComplaintCheck {
  n: number;
  negativeRate: number;
  missed: Array<{ text: string; label: string; sentiment: number }>;
}

export function checkComplaints(analyzer: TextAnalyzer, texts: readonly string[] = FINANCE_COMPLAINTS_EN, hint = 'en'): ComplaintCheck {
  const res = texts.map((t) => ({ text: t, r: analyzer.analyze(t, hint) }));
  const missed = res.filter((x) => x.r.label !== 'negative').map((x) => ({ text: x.text, label: x.r.label, sentiment: x.r.sentiment }));
  return { n: texts.length, negativeRate: (texts.length - missed.length) / texts.length, missed };
}
