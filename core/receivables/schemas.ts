import { z } from 'zod';

/** The receivable shapes that cross a transport (/api/v1, chat), declared once; the types are inferred. Money in integer cents. */
export const PaymentOptionSchema = z.object({ contractId: z.number().int(), number: z.string(), outstandingCents: z.number().int(), nextDueDate: z.string() });
export type PaymentOption = z.infer<typeof PaymentOptionSchema>;

export const RecordPaymentResultSchema = z.discriminatedUnion('status', [
  z.object({
    status: z.literal('recorded'),
    contractId: z.number().int(),
    number: z.string(),
    customerId: z.number().int(),
    allocations: z.array(z.object({ instalmentId: z.number().int(), seq: z.number().int(), dueDate: z.string(), amountCents: z.number().int(), instalmentStatus: z.string() })),
    contractOutstandingCents: z.number().int(),
  }),
  /** Only when the payment names a customer with several open contracts (chat); /api/v1 names the contract. */
  z.object({ status: z.literal('ambiguous'), options: z.array(PaymentOptionSchema) }),
]);
export type RecordPaymentResult = z.infer<typeof RecordPaymentResultSchema>;

export const ForecastMonthSchema = z.object({ month: z.string(), dueCents: z.number().int(), outstandingCents: z.number().int() });
export type ForecastMonth = z.infer<typeof ForecastMonthSchema>;
export const ForecastSchema = z.object({ overdueCents: z.number().int(), months: z.array(ForecastMonthSchema) });
export type Forecast = z.infer<typeof ForecastSchema>;
