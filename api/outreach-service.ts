// What the API does for outreach: survey answers (web, JSON or SMS reply) reach the waiting
// workflow and the customer's journey.
import type { Db } from '../db';
import { getOutreach, recordSurveyAnswer } from '../db/outreach';
import { getProfile } from '../db/profiles';
import { ConflictError, NotFoundError } from '../domain/errors';
import { surveySignalId } from '../domain/ids';
import { localeOf, npsSentiment } from '../domain/outreach';
import type { SurveyAnswer } from '../domain/outreach-messages';
import { enqueueWorkflowMessage, surveyAnsweredMessage } from '../db/workflow-messages';
import type { Ingest } from './ingest';
import type { JourneyGateway } from './journeys';
import { npsCategory, platformMetrics } from './metrics';

export type OutreachService = ReturnType<typeof createOutreachService>;

export function createOutreachService({ db, journeys, ingest }: { db: Db; journeys: JourneyGateway; ingest: Ingest }) {
  return {
    /**
     * One answer per outreach: the first is stored, signalled to the waiting outreach workflow and
     * recorded as a survey_response signal of the customer's journey; a second is a 409.
     */
    async answerSurvey(outreachId: string, score: number, comment: string | null, via: SurveyAnswer['via']): Promise<SurveyAnswer> {
      const answer: SurveyAnswer = { score, comment: comment || null, via, answeredAt: new Date().toISOString() };
      // The answer and the message telling the waiting workflow are one commit: neither without the other.
      const { r, messageKey } = await db.transaction(async (trx) => {
        const r = await recordSurveyAnswer(trx, outreachId, answer);
        const o = r === 'recorded' ? await getOutreach(trx, outreachId) : null;
        const messageKey = o?.workflowId ? await enqueueWorkflowMessage(trx, surveyAnsweredMessage(o.workflowId, outreachId, answer)) : null;
        return { r, messageKey };
      });
      if (r === 'not_found') throw new NotFoundError('survey', outreachId);
      if (r === 'already_answered') {
        throw new ConflictError('already_answered', 'this survey has been answered already', [{ field: 'score', reason: 'one answer per survey link' }]);
      }
      platformMetrics.surveyAnswers.inc({ category: npsCategory(score) });
      const outreach = (await getOutreach(db, outreachId))!;
      const profile = await getProfile(db, outreach.customerId);
      await ingest([
        {
          id: surveySignalId(outreachId),
          customerId: outreach.customerId,
          type: 'survey_response',
          channel: via === 'sms' ? 'sms' : 'survey',
          // A comment's language is detected from the comment (people answer in their own language,
          // whatever the profile says); without one the profile's locale is the survey's language.
          ...(answer.comment ? { text: answer.comment } : { language: localeOf(profile?.locale) }),
          occurredAt: answer.answeredAt,
          // Without a comment there is no text to analyse: the score stands for the sentiment.
          ...(answer.comment ? {} : { analysis: { sentiment: npsSentiment(score) } }),
          metadata: { nps: score, outreachId, via },
        },
      ]);
      if (messageKey) await journeys.sendMessages([messageKey]);
      return answer;
    },
  };
}
