// Temporal names and message definitions of the outreach workflow, shared by the API, worker and workflows.
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { OutreachPolicy } from './outreach';

/** Outreach runs are numbered per customer; the id is deterministic, so a start is never doubled. */
export const outreachWorkflowId = (customerId: string, seq: number) => `outreach/${customerId}/${seq}`;
export const outreachIdOf = (customerId: string, seq: number) => `${customerId}/${seq}`;
export const escalationDedupId = (outreachId: string) => `outreach_escalation/${outreachId}`;

export interface OutreachInput {
  outreachId: string;
  customerId: string;
  journeyWorkflowId: string;
  /** The customer's IANA time zone (or the policy's default) for quiet hours. */
  timeZone: string;
  policy: OutreachPolicy;
}

export type OutreachOutcome = 'recovered' | 'neutral' | 'resolved' | 'churned' | 'skipped';
export type EscalationReason = 'detractor' | 'no_answer' | 'undeliverable';

export interface SurveyAnswer {
  score: number;
  comment: string | null;
  via: 'web' | 'api' | 'sms';
  answeredAt: string;
}

export interface OutreachResult {
  outreachId: string;
  outcome: OutreachOutcome;
  escalationReason: EscalationReason | null;
  skipReason: string | null;
  answer: SurveyAnswer | null;
  resolvedBy: string | null;
  resolvedAt: string | null;
}

export interface OutreachStatus {
  outreachId: string;
  stage: 'quiet_hours' | 'sending' | 'waiting_for_answer' | 'escalated' | 'acknowledged' | 'done';
  answer: SurveyAnswer | null;
  escalationAlertId: string | null;
  escalationLevel: number;
}

/** What the journey remembers about outreach; carried across continue-as-new. */
export interface OutreachMemory {
  /** Workflow id of the outreach in flight, as far as this journey knows. */
  active: string | null;
  /** Workflow time of the last start attempt that was skipped (throttles re-asking). */
  lastSkipAt: number | null;
}

export const surveyAnswered = defineSignal<[SurveyAnswer]>('surveyAnswered');
/** A survey message could not be delivered (Twilio status failed/undelivered). */
export const messageUndeliverable = defineSignal<[{ messageId: string; errorCode: string | null }]>('messageUndeliverable');
/** Sent by the outreach to its journey when it ends (best effort: the journey may have ended). */
export const outreachEnded = defineSignal<[{ workflowId: string; outcome: OutreachOutcome }]>('outreachEnded');
export const outreachStatusQuery = defineQuery<OutreachStatus>('outreachStatus');
