import { z } from 'zod';
import { AccountAnswer, LoginAnswer } from './auth.schemas.js';
import { route, type AnyRoute } from '../platform/http/route.js';
import { ROLES } from '../platform/auth/roles.js';
import type { AuthService } from './auth.service.js';
import { bearerToken } from '../platform/http/auth-middleware.js';
import { SECURITY_EVENT_KINDS } from '../platform/auth/security-log.js';

const Login = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });
const NewAccount = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9_.@-]{3,64}$/, '3–64 letters, digits or _.@-'),
  displayName: z.string().min(1).max(100),
  password: z.string().min(8, 'at least 8 characters').max(200),
  roles: z.array(z.enum(ROLES)).min(1),
  townIds: z.array(z.number().int().positive()).default([]),
  allTowns: z.boolean().default(false),
});

const Password = z.string().min(8, 'at least 8 characters').max(200);
const ChangePassword = z.strictObject({ currentPassword: z.string().min(1).max(200), newPassword: Password });
const AccountParams = z.strictObject({ id: z.coerce.number().int().positive() });
const AccountChange = z
  .strictObject({ roles: z.array(z.enum(ROLES)).min(1).optional(), disabled: z.boolean().optional() })
  .refine((c) => c.roles !== undefined || c.disabled !== undefined, { message: 'Give roles, disabled or both' });
const ResetPassword = z.strictObject({ password: Password });
const SecurityLogQuery = z.strictObject({
  kind: z
    .string()
    .optional()
    .describe(`comma-separated, of: ${SECURITY_EVENT_KINDS.join(', ')}`)
    .refine(
      (k) => k === undefined || k.split(',').every((x) => (SECURITY_EVENT_KINDS as readonly string[]).includes(x)),
      'unknown kind',
    ),
  since: z.iso.datetime({ offset: true }).optional(),
  beforeId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function authRoutes(auth: AuthService): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/auth/login',
      summary: 'Log in; returns a bearer token',
      tag: 'auth',
      access: 'public',
      body: Login,
      responses: {
        200: { description: 'The bearer token and the account', schema: LoginAnswer },
        429: { description: 'Too many failed logins for this username (5) or address (20) in 15 min; see Retry-After' },
        503: { description: 'Too many password checks at once; see Retry-After' },
      },
      handler: async ({ body, req }) => auth.login(body.username, body.password, req.ip),
    }),
    route({
      method: 'post',
      path: '/api/auth/password',
      summary: 'Change your own password (the current one is asked); your other sessions end',
      tag: 'auth',
      access: 'authenticated',
      beforePasswordChange: true,
      body: ChangePassword,
      status: 204,
      handler: async ({ auth: caller, body, req }) =>
        auth.changePassword(caller, bearerToken(req)!, body.currentPassword, body.newPassword, req.ip),
    }),
    route({
      method: 'post',
      path: '/api/auth/logout-everywhere',
      summary: 'End every session of your account, this one included',
      tag: 'auth',
      access: 'authenticated',
      handler: async ({ auth: caller, req }) => auth.logoutEverywhere(caller, req.ip),
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End this session',
      tag: 'auth',
      access: 'authenticated',
      beforePasswordChange: true,
      status: 204,
      handler: async ({ req }) => auth.logout(bearerToken(req)!),
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The logged-in account, its roles and towns',
      tag: 'auth',
      access: 'authenticated',
      responses: { 200: { description: 'The account', schema: AccountAnswer } },
      handler: ({ auth: caller }) => caller.me,
    }),
    route({
      method: 'get',
      path: '/api/accounts',
      summary: 'List accounts',
      tag: 'auth',
      access: ['admin'],
      handler: ({ auth: caller }) => auth.listAccounts(caller),
    }),
    route({
      method: 'post',
      path: '/api/accounts',
      summary: 'Create an account with roles and towns',
      tag: 'auth',
      access: ['admin'],
      body: NewAccount,
      status: 201,
      handler: ({ body, auth: caller, req }) => auth.createAccount(body, caller, req.ip),
    }),
    route({
      method: 'patch',
      path: '/api/accounts/:id',
      summary: "Disable or enable an account, or change its roles; the account's sessions end",
      tag: 'auth',
      access: ['admin'],
      params: AccountParams,
      body: AccountChange,
      handler: ({ params, body, auth: caller, req }) =>
        auth.changeAccount(caller, params.id, body, req.ip, bearerToken(req) ?? undefined),
    }),
    route({
      method: 'put',
      path: '/api/accounts/:id/password',
      summary: 'Set a new password for an account; its owner must change it at the next login, its sessions end',
      tag: 'auth',
      access: ['admin'],
      params: AccountParams,
      body: ResetPassword,
      status: 204,
      handler: ({ params, body, auth: caller, req }) => auth.resetPassword(caller, params.id, body.password, req.ip),
    }),
    route({
      method: 'get',
      path: '/api/security-log',
      summary:
        'The security log, newest first: logins, failures, account and credential changes, PTZ take-overs, exports (your towns only)',
      tag: 'auth',
      access: ['admin'],
      query: SecurityLogQuery,
      handler: ({ query, auth: caller }) =>
        auth.securityLog.list(caller, {
          kinds: query.kind?.split(','),
          since: query.since ? new Date(query.since) : undefined,
          beforeId: query.beforeId,
          limit: query.limit,
        }),
    }),
  ];
}
