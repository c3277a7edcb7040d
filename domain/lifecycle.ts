import type { AlertStatus } from './types';

export type AlertAction = 'acknowledge' | 'resolve';

const ALLOWED: Readonly<Record<AlertAction, { from: readonly AlertStatus[]; to: AlertStatus }>> = {
  acknowledge: { from: ['active'], to: 'acknowledged' },
  resolve: { from: ['active', 'acknowledged'], to: 'resolved' },
};

/** The status an action leads to, or null when the lifecycle forbids it (a 409). */
export function transition(current: AlertStatus, action: AlertAction): AlertStatus | null {
  const rule = ALLOWED[action];
  return rule.from.includes(current) ? rule.to : null;
}
