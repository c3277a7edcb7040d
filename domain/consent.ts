// Consent by purpose (README "Consent"): what each purpose allows, and the defaults for a customer
// without a recorded decision.

export const PURPOSES = ['sms', 'email', 'analysis', 'training'] as const;
export type Purpose = (typeof PURPOSES)[number];
export type Consents = Record<Purpose, boolean>;

export interface ConsentRecord {
  granted: boolean;
  /** Where the decision came from: the caller's own label, or the API key that recorded it. */
  source: string;
  at: string;
}

/**
 * Contact needs an explicit yes (sms, email). Analysis of what customers send us to care for them
 * is on unless refused (the legitimate interest the product exists for; a refusal is honoured at
 * once). Reuse for training models is off unless granted.
 */
export const DEFAULT_CONSENTS: Consents = { sms: false, email: false, analysis: true, training: false };

/** Why a signal is recorded but not analysed. */
export const NO_ANALYSIS_CONSENT = 'no_analysis_consent';
