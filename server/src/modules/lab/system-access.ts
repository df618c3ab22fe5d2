import type { Prisma } from '../../db/prisma.js';
import { hasPermission, type Actor } from '../../security/actor.js';

/** Systems an account may see (Beaker's System.all): policy `view`, ownership, loan or use, or secret_visible. */
export function visibleSystemsWhere(actor: Actor): Prisma.SystemWhereInput {
  if (hasPermission(actor, 'secret_visible')) return {};
  return {
    OR: [
      { ownerId: actor.userId },
      { loanedToId: actor.userId },
      { userId: actor.userId },
      { activeAccessPolicy: { rules: { some: { permission: 'view', ...ruleAppliesTo(actor) } } } },
    ],
  };
}

function ruleAppliesTo(actor: Actor): Prisma.AccessPolicyRuleWhereInput {
  return {
    OR: [{ userId: actor.userId }, { groupId: { in: [...actor.groupIds] } }, { userId: null, groupId: null }],
  };
}

/** Power settings are visible to the owner, admins and `edit_system`/`view_power` grantees. */
export function canViewPower(
  actor: Actor,
  system: {
    ownerId: number;
    activeAccessPolicy: {
      rules: { permission: string; userId: number | null; groupId: number | null }[];
    } | null;
  },
): boolean {
  if (actor.admin || system.ownerId === actor.userId) return true;
  return (system.activeAccessPolicy?.rules ?? []).some(
    (rule) =>
      (rule.permission === 'view_power' || rule.permission === 'edit_system') &&
      (rule.userId === actor.userId ||
        (rule.groupId !== null && actor.groupIds.has(rule.groupId)) ||
        (rule.userId === null && rule.groupId === null)),
  );
}

/**
 * Who may power a system (Beaker's can_power): admins, the owner, whoever has it reserved
 * now, and `control_system` grantees of its access policy.
 */
export function canPower(
  actor: Actor,
  system: {
    ownerId: number;
    userId: number | null;
    activeAccessPolicy: {
      rules: { permission: string; userId: number | null; groupId: number | null }[];
    } | null;
  },
): boolean {
  if (actor.admin || system.ownerId === actor.userId || system.userId === actor.userId) return true;
  return (system.activeAccessPolicy?.rules ?? []).some(
    (rule) =>
      rule.permission === 'control_system' &&
      (rule.userId === actor.userId ||
        (rule.groupId !== null && actor.groupIds.has(rule.groupId)) ||
        (rule.userId === null && rule.groupId === null)),
  );
}
