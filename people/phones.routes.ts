// Routes of phones: the command room's list and token re-issue; the app's own calls with
// its device token (who am I and which version I run, on/off duty) or, once, with the
// gridworker's account (a token for this phone).
import type { Request } from 'express';
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { DEVICE_ROLES } from '../platform/auth/roles.js';
import { IdParams } from '../gis/module.js';
import type { PhonesService } from './phones.service.js';

export function phonesRoutes(phones: PhonesService): AnyRoute[] {
  const appVersion = (req: Request) => {
    const v = req.headers['x-app-version'];
    return typeof v === 'string' && /^[\w.+-]{1,40}$/.test(v) ? v : null;
  };
  return [
    route({
      method: 'get',
      path: '/api/devices',
      tag: 'people',
      access: DEVICE_ROLES,
      summary: 'Phones with their gridworker, the last fix they reported, and the app version that last spoke',
      handler: ({ auth }) => phones.list(auth),
    }),
    route({
      method: 'post',
      path: '/api/devices/:id/token',
      tag: 'people',
      access: DEVICE_ROLES,
      params: IdParams,
      status: 201,
      summary: 'A new token for a phone, shown once (as a QR code for the app); the old token stops working',
      handler: ({ auth, params }) => phones.reissue(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/phone/enrol',
      tag: 'phone',
      access: ['gridworker'],
      body: z.strictObject({ name: z.string().trim().max(100).default('') }),
      status: 201,
      summary: "A gridworker logged in with their account gets this phone's device token (shown once)",
      handler: ({ auth, body }) => phones.enrol(auth, body.name),
    }),
    route({
      method: 'get',
      path: '/api/phone/me',
      tag: 'phone',
      access: 'device',
      summary: "The phone's gridworker (device token); the app's version in the X-App-Version header is recorded",
      handler: ({ req, device }) => phones.me(device!, appVersion(req)),
    }),
    route({
      method: 'put',
      path: '/api/phone/duty',
      tag: 'phone',
      access: 'device',
      body: z.strictObject({ status: z.enum(['on_duty', 'off_duty']) }),
      summary: 'On or off duty, from the phone (device token)',
      handler: ({ body, device }) => phones.setDuty(device!, body.status),
    }),
  ];
}
