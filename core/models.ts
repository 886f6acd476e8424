import type { Sequelize } from 'sequelize';
import { defineUserModels } from './users/model';
import { defineCustomerModels } from './customers/model';
import { defineActivityModels } from './activities/model';
import { defineLeadModels } from './leads/model';
import { defineTaskModels } from './tasks/model';
import { defineAuditModels } from './audit/model';
import { defineTicketModels } from './tickets/model';
import { defineSurveyModels } from './surveys/model';
import { defineKnowledgeModels } from './knowledge/model';
import { defineMpModels } from './mp/model';
import { defineContractModels } from './contracts/model';
import { defineApprovalModels } from './approvals/model';
import { defineReceivableModels } from './receivables/model';
import { defineOpportunityModels } from './opportunities/model';
import { defineIntentModels } from './intent/model';

/** Every context's models, bound to one Sequelize instance (tests run several side by side). */
export function defineModels(s: Sequelize) {
  return {
    ...defineUserModels(s),
    ...defineCustomerModels(s),
    ...defineActivityModels(s),
    ...defineLeadModels(s),
    ...defineTaskModels(s),
    ...defineAuditModels(s),
    ...defineTicketModels(s),
    ...defineSurveyModels(s),
    ...defineKnowledgeModels(s),
    ...defineMpModels(s),
    ...defineContractModels(s),
    ...defineApprovalModels(s),
    ...defineReceivableModels(s),
    ...defineOpportunityModels(s),
    ...defineIntentModels(s),
  };
}
export type Models = ReturnType<typeof defineModels>;
