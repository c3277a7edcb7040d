// Subjects: what stands for a customer in Temporal (workflow ids, search attributes) and names
// their data key. A customer id that is personal data — an e-mail address or a phone number — is
// replaced by its keyed pseudonym; "~" keeps pseudonyms apart from every possible customer id.
import { pseudonymOf } from '../domain/privacy';

const LOOKS_PERSONAL = /@|^\+?[\d ()./-]{7,}$/;

export function customerSubject(secret: string, customerId: string): string {
  return LOOKS_PERSONAL.test(customerId) ? `~${pseudonymOf(secret, customerId)}` : customerId;
}
