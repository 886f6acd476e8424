import { z } from 'zod';

/** How the Lark org chart maps onto the CRM (the setting `org.sync`, JSON). */
export const OrgSettingsSchema = z.object({
  /** open_department_ids whose subtrees are in the CRM; empty: the whole availability scope. */
  includeDepartments: z.array(z.string().min(1).max(64)).max(500).default([]),
  /** Departments (and their subtrees) whose members are service agents. */
  serviceDepartments: z.array(z.string().min(1).max(64)).max(500).default([]),
  /** Lark user groups (group ids) whose members are service agents. */
  serviceGroups: z.array(z.string().min(1).max(64)).max(100).default([]),
  /** open_ids of service agents outside those departments. */
  serviceUsers: z.array(z.string().min(1).max(64)).max(5000).default([]),
  /** open_ids of the CRM's administrators (an admin is never demoted or deactivated by a sync). */
  adminUsers: z.array(z.string().min(1).max(64)).max(500).default([]),
  /** Where a leaver's customers go: to their manager, or back to the public pool. */
  leaverCustomers: z.enum(['manager', 'pool']).default('manager'),
  /** Personal fields copied from Lark only when asked for (and granted). */
  fields: z.object({ email: z.boolean().default(false), mobile: z.boolean().default(false) }).default({ email: false, mobile: false }),
});
export type OrgSettings = z.infer<typeof OrgSettingsSchema>;

export const OrgUserChangeSchema = z.object({
  openId: z.string(),
  name: z.string(),
  userId: z.number().int().nullable(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});

/** What a sync changes (or would change, on a dry run). */
export const OrgDiffSchema = z.object({
  teamsAdded: z.array(z.object({ departmentId: z.string(), name: z.string() })),
  teamsRenamed: z.array(z.object({ departmentId: z.string(), from: z.string(), to: z.string() })),
  teamsMoved: z.array(z.object({ departmentId: z.string(), name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  /** A team's leader (its manager) changed: open_ids. */
  teamLeaders: z.array(z.object({ departmentId: z.string(), name: z.string(), from: z.string().nullable(), to: z.string().nullable() })),
  added: z.array(OrgUserChangeSchema),
  moved: z.array(OrgUserChangeSchema),
  promoted: z.array(OrgUserChangeSchema),
  renamed: z.array(OrgUserChangeSchema),
  managerChanged: z.array(OrgUserChangeSchema),
  deactivated: z.array(OrgUserChangeSchema),
  reactivated: z.array(OrgUserChangeSchema),
  /** Leavers' customers moved, tasks and approval steps reassigned (applied runs only). */
  handedOver: z.object({ customersToManager: z.number().int(), customersToPool: z.number().int(), tasks: z.number().int(), approvalSteps: z.number().int() }),
  /** Users whose departments are not known yet (an event before the first full sync): left alone. */
  pending: z.array(z.string()),
  warnings: z.array(z.string()),
});
export type OrgDiff = z.infer<typeof OrgDiffSchema>;
