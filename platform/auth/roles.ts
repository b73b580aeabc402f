// orgs: 'department' — staff of a department, village or county department (migration 050)
export const ROLES = ['admin', 'operator', 'dispatcher', 'planner', 'installer', 'gridworker', 'department'] as const;
export type Role = (typeof ROLES)[number];

/** Who outranks whom when two people want the same thing (a camera's control lock). */
export const ROLE_RANK: Record<Role, number> = {
  admin: 5,
  dispatcher: 4,
  operator: 3,
  planner: 2,
  installer: 2,
  gridworker: 1,
  department: 1,
};

// Who may read what (least privilege); admins always may (AuthContext.hasRole).
/** Everyone who logs in: the map and what it draws (areas, grids, cameras, who is on duty). */
export const EVERYONE: readonly Role[] = ROLES;
/** The command room: incidents, dispatch, the video wall. */
export const COMMAND_ROOM = ['operator', 'dispatcher'] as const;
/** Who sees phone numbers: a citizen's contact for the revisit (回访), a gridworker's phone. */
export const CONTACT_ROLES = COMMAND_ROOM;
/**
 * Who sets phones up (registers them to people, types their identifiers into them), and
 * so sees device identifiers: a known identifier moves its gridworker on the dispatch map.
 */
export const DEVICE_ROLES = ['installer'] as const;
