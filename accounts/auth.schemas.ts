// What the auth routes answer, for the OpenAPI document and the web app's generated types.
import { z } from 'zod';
import { answer } from '../platform/http/answer.js';
import { ROLES } from '../platform/auth/roles.js';
import type { AccountIdentity } from '../platform/auth/auth-context.js';
import type { AuthService } from './auth.service.js';

export const AccountAnswer = answer<AccountIdentity>()(
  z
    .object({
      id: z.number().int(),
      username: z.string(),
      displayName: z.string(),
      roles: z.array(z.enum(ROLES)),
      allTowns: z.boolean(),
      townIds: z.array(z.number().int()),
      mustChangePassword: z
        .boolean()
        .optional()
        .describe('Set until the account chooses its own password: everything else answers 403 till then'),
    })
    .meta({ id: 'Account' }),
);

export const LoginAnswer = answer<Awaited<ReturnType<AuthService['login']>>>()(
  z.object({
    token: z.string(),
    expiresAt: z.iso.datetime({ offset: true }),
    account: AccountAnswer,
    mustChangePassword: z.boolean(),
  }),
);
