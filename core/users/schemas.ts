import { z } from 'zod';
import type { Role } from '../context';

/** The user shapes that cross a transport (the bot's cards and handlers, the CLI), declared once; the types are inferred. */
export const ROLES = ['rep', 'manager', 'service', 'admin'] as const satisfies readonly Role[];
/** 'inactive': left the company or the app's availability (org sync); never deleted, refused by every transport. */
export const USER_STATUSES = ['active', 'away', 'inactive'] as const;
export type UserStatus = (typeof USER_STATUSES)[number];

const id = z.number().int();

export const UserSchema = z.object({
  id,
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  role: z.enum(ROLES),
  teamId: id.nullable(),
  managerId: id.nullable(),
  larkOpenId: z.string().nullable(),
  status: z.enum(USER_STATUSES),
  skills: z.array(z.string()),
  /** A manager's team and the teams below it (org sync's tree); set where the CRM resolves who is acting. */
  teamIds: z.array(id).optional(),
});
export type UserDto = z.infer<typeof UserSchema>;
