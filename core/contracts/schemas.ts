import { z } from 'zod';
import { QuoteSchema } from '../opportunities/schemas';
import { ApprovalSchema } from '../approvals/schemas';

/** The contract shapes that cross a transport (/api/v1, cards), declared once; the types are inferred. Money in integer cents. */
export const CONTRACT_STATUSES = ['draft', 'pending_approval', 'approved', 'rejected', 'active', 'expired', 'terminated'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];
const id = z.number().int();

export const ContractLineSchema = z.object({ seq: z.number().int(), name: z.string(), quantity: z.number().int(), unitPriceCents: z.number().int(), discountBp: z.number().int(), amountCents: z.number().int() });
export type ContractLineDto = z.infer<typeof ContractLineSchema>;

export const InstalmentSchema = z.object({ id, seq: z.number().int(), dueDate: z.string(), amountCents: z.number().int(), paidCents: z.number().int(), status: z.string() });
export type InstalmentDto = z.infer<typeof InstalmentSchema>;

export const ContractSchema = z.object({
  id,
  number: z.string(),
  customerId: id,
  customerName: z.string(),
  ownerId: id,
  ownerName: z.string(),
  title: z.string().nullable(),
  currency: z.string(),
  listCents: z.number().int(),
  amountCents: z.number().int().describe('integer cents (fen); never a float'),
  discountBp: z.number().int().describe('overall discount in basis points (1% = 100)'),
  signDate: z.string().nullable(),
  startDate: z.string(),
  endDate: z.string(),
  status: z.enum(CONTRACT_STATUSES),
  note: z.string().nullable(),
  renewalOfId: id.nullable(),
  /** The opportunity and the accepted quote the contract was drafted from, if any. */
  opportunityId: id.nullable(),
  quoteId: id.nullable(),
  lines: z.array(ContractLineSchema),
  instalments: z.array(InstalmentSchema),
  attachments: z.array(z.object({ id, fileName: z.string(), fileKey: z.string(), mime: z.string().nullable(), sizeBytes: z.number().int().nullable() })),
  approvalRequestId: id.nullable(),
});
export type ContractDto = z.infer<typeof ContractSchema>;

/** A row of a customer's contract list (the 360° view's contracts section, the approval card's history). */
export const ContractListItemSchema = ContractSchema.pick({ id: true, number: true, title: true, amountCents: true, currency: true, status: true, startDate: true, endDate: true, ownerId: true });
export type ContractListItem = z.infer<typeof ContractListItemSchema>;

/**
 * What a contract's approval card shows (the approval subject 'contract', core/contracts/index.ts): the contract, its
 * lines, the discount against the policy limit and the customer's payment history. Dates are YYYY-MM-DD.
 */
export const ContractApprovalSubjectSchema = z.object({
  contractId: id,
  number: z.string(),
  title: z.string().nullable(),
  customer: z.object({ id, name: z.string(), tier: z.string().nullable() }),
  owner: z.object({ id, name: z.string() }),
  currency: z.string(),
  listCents: z.number().int(),
  amountCents: z.number().int(),
  discountBp: z.number().int(),
  discountLimitBp: z.number().int(),
  discountOverLimit: z.boolean(),
  startDate: z.string(),
  endDate: z.string(),
  status: z.enum(CONTRACT_STATUSES),
  lines: z.array(ContractLineSchema.omit({ seq: true })),
  history: z.object({
    contracts: z.number().int(),
    contractCents: z.number().int(),
    paidCents: z.number().int(),
    outstandingCents: z.number().int(),
    overdueCents: z.number().int(),
    risk: z.string(),
  }),
});
export type ContractApprovalSubject = z.infer<typeof ContractApprovalSubjectSchema>;

export const RenewalResultSchema = z.object({ contract: ContractSchema, created: z.boolean() });

/** What accepting a quote answers: the quote, its contract, the approval it started (null when it existed already). */
export const AcceptQuoteResultSchema = z.object({ quote: QuoteSchema, contract: ContractSchema, approval: ApprovalSchema.nullable(), created: z.boolean() });
