import { z } from 'zod';

/** The task shapes that cross a transport (the bot's cards, the reminder and agenda payloads), declared once; the types are inferred. */
export const TASK_PRIORITIES = ['high', 'normal', 'low'] as const;
export type TaskPriority = (typeof TASK_PRIORITIES)[number];
export const TASK_STATUSES = ['open', 'done', 'cancelled'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

const id = z.number().int();
/** ISO-8601 UTC. */
const time = z.string();

export const TaskSchema = z.object({
  id,
  title: z.string(),
  priority: z.enum(TASK_PRIORITIES),
  dueAt: time.nullable(),
  remindAt: time.nullable(),
  customerId: id.nullable(),
  customerName: z.string().nullable(),
  leadId: id.nullable(),
  ownerId: id,
  channel: z.string().nullable(),
  status: z.enum(TASK_STATUSES),
  doneAt: time.nullable(),
  updatedAt: time.nullable(),
});
export type TaskDto = z.infer<typeof TaskSchema>;
