import { z } from 'zod';
import { route, type AnyRoute } from '../http/route.js';
import { ROLES } from './roles.js';
import type { AuthService } from './auth.service.js';

const Login = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(200) });
const NewAccount = z.strictObject({
  username: z.string().regex(/^[A-Za-z0-9_.@-]{3,64}$/, '3–64 letters, digits or _.@-'),
  displayName: z.string().min(1).max(100),
  password: z.string().min(8, 'at least 8 characters').max(200),
  roles: z.array(z.enum(ROLES)).min(1),
  townIds: z.array(z.number().int().positive()).default([]),
  allTowns: z.boolean().default(false),
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
      handler: async ({ body }) => auth.login(body.username, body.password),
    }),
    route({
      method: 'post',
      path: '/api/auth/logout',
      summary: 'End this session',
      tag: 'auth',
      access: 'authenticated',
      status: 204,
      handler: async ({ req }) => auth.logout(req.headers.authorization!.slice('Bearer '.length)),
    }),
    route({
      method: 'get',
      path: '/api/auth/me',
      summary: 'The logged-in account, its roles and towns',
      tag: 'auth',
      access: 'authenticated',
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
      handler: ({ auth: caller, body }) => auth.createAccount(body, caller),
    }),
  ];
}
