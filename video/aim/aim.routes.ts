import { z } from 'zod';
import { route, type AnyRoute } from '../../platform/http/route.js';
import { IdParams } from '../../gis/module.js';
import type { AimService } from './aim.service.js';

const Fraction = z.number().min(0).max(1);
const Aim = z.union([
  z.strictObject({
    x: Fraction.describe('centre across the picture, 0 = left edge'),
    y: Fraction.describe('centre down the picture, 0 = top edge'),
    w: Fraction.positive().optional().describe('box width (区域放大); with h, zooms so the box fills the picture'),
    h: Fraction.positive().optional(),
  }),
  z.strictObject({ zoom: Fraction.describe('zoom slider: 0 = widest, 1 = longest') }),
]);

export function aimRoutes(aim: AimService): AnyRoute[] {
  return [
    route({
      method: 'post',
      path: '/api/cameras/:id/ptz/aim',
      summary: 'Aim by the picture: click to centre, a box to zoom into (3D positioning), or the zoom slider',
      tag: 'ptz',
      access: ['operator', 'dispatcher', 'installer'],
      params: IdParams,
      body: Aim,
      handler: ({ auth, params, body }) => aim.aim(auth, params.id, body),
    }),
  ];
}
