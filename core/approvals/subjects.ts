import type { CoreContext } from '../context';
import type { ApprovalSubject } from '../registry';

export type { ApprovalSubject } from '../registry';

/** The subject a context registered for `entityType` (core/<context>/index.ts → ctx.registry.approvalSubject). */
export function approvalSubject(ctx: CoreContext, entityType: string): ApprovalSubject {
  const s = ctx.registry.approvalSubjects.get(entityType);
  if (!s) throw new Error(`no approval subject registered for ${entityType}`);
  return s;
}
