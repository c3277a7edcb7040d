// Recommended actions per alert type, in German and English. Suggestions: a human decides.
import type { AlertType } from './types';

export interface RecommendedAction {
  de: string;
  en: string;
}

export const RECOMMENDED_ACTIONS: Readonly<Record<AlertType, RecommendedAction>> = {
  churn_signal: {
    en: 'Contact the customer personally within 24 hours: acknowledge the problem, offer a concrete fix or goodwill gesture, and record the outcome.',
    de: 'Kontaktieren Sie den Kunden innerhalb von 24 Stunden persönlich: Problem anerkennen, eine konkrete Lösung oder Kulanz anbieten und das Ergebnis festhalten.',
  },
  legal_threat: {
    en: 'Inform the legal department before any automated or written reply. Pause automated outreach to this customer and keep all correspondence.',
    de: 'Informieren Sie die Rechtsabteilung vor jeder automatisierten oder schriftlichen Antwort. Automatische Kontaktaufnahme pausieren und die gesamte Korrespondenz aufbewahren.',
  },
  critical_escalation: {
    en: 'Escalate to a senior customer-care agent now; call the customer today and agree on next steps.',
    de: 'Sofort an eine erfahrene Kundenbetreuung eskalieren; den Kunden heute anrufen und die nächsten Schritte vereinbaren.',
  },
  high_risk_compound: {
    en: 'Review the customer’s recent signals as a whole: several risks are elevated at once. Assign an owner and plan a personal contact.',
    de: 'Prüfen Sie die jüngsten Signale des Kunden im Zusammenhang: mehrere Risiken sind gleichzeitig erhöht. Eine verantwortliche Person benennen und einen persönlichen Kontakt planen.',
  },
  volume_spike: {
    en: 'Check for an incident behind the spike in feedback volume; prepare a status message for affected customers.',
    de: 'Prüfen Sie, ob hinter dem sprunghaften Anstieg des Feedbacks eine Störung steckt; eine Statusmeldung für betroffene Kunden vorbereiten.',
  },
  sentiment_cliff: {
    en: 'Sentiment has dropped sharply: find the common cause in the latest feedback and brief the care team.',
    de: 'Die Stimmung ist stark eingebrochen: gemeinsame Ursache im jüngsten Feedback finden und das Service-Team informieren.',
  },
  geo_concentration: {
    en: 'Many customers in one area report the same cause: alert the regional operations team and inform affected customers proactively.',
    de: 'Viele Kunden in einer Region melden dieselbe Ursache: regionales Betriebsteam alarmieren und betroffene Kunden proaktiv informieren.',
  },
  outreach_escalation: {
    en: 'The customer answered the survey negatively or did not answer: call them personally and follow up on the CRM case.',
    de: 'Der Kunde hat die Umfrage negativ oder gar nicht beantwortet: persönlich anrufen und den CRM-Fall weiterverfolgen.',
  },
  processing_failed: {
    en: 'These signals could not be analysed after repeated attempts and were set aside; the customer’s other signals go on. Check the worker logs for the error, read the signals yourself, and contact the customer if they need it.',
    de: 'Diese Signale konnten auch nach wiederholten Versuchen nicht analysiert werden und wurden zurückgestellt; die übrigen Signale des Kunden laufen weiter. Fehler in den Worker-Logs prüfen, die Signale selbst lesen und den Kunden bei Bedarf kontaktieren.',
  },
};
