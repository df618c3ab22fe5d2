/** Who is calling, resolved once per request by the auth hook and passed to services. */
export interface Actor {
  userId: number;
  username: string;
  kind: 'user' | 'labcontroller';
  admin: boolean;
  /** Site-wide permissions from group membership (stop_task, secret_visible, change_prio …). */
  permissions: ReadonlySet<string>;
  groupIds: ReadonlySet<number>;
}

export const hasPermission = (actor: Actor, permission: string): boolean =>
  actor.admin || actor.permissions.has(permission);
