export const ROLES = ['admin', 'operator', 'dispatcher', 'planner', 'installer', 'gridworker'] as const;
export type Role = (typeof ROLES)[number];

/** Who outranks whom when two people want the same thing (a camera's control lock). */
export const ROLE_RANK: Record<Role, number> = {
  admin: 5,
  dispatcher: 4,
  operator: 3,
  planner: 2,
  installer: 2,
  gridworker: 1,
};
