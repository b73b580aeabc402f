// A probe that breaks the layers on purpose, linted as if it were people/probe.ts by
// test/architecture/boundaries.test.ts (and ignored by the normal lint): a domain
// reaching inside another (gis's repository), and up into the composition.
import { AreasRepository } from '../gis/areas.repository.js';
import type { Services } from '../server/composition.js';
import { GridIndex } from '../gis/module.js';

export const probe: [unknown, Services | null, unknown] = [AreasRepository, null, GridIndex];
