// A probe linted as if it were platform/probe.ts: the foundation importing a domain.
import type { AuthService } from '../accounts/auth.service.js';
import type { AccountsServices } from '../accounts/module.js';

export type Probe = [AuthService, AccountsServices];
