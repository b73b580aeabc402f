// Organisations and the handoff loop over HTTP: routes parse and delegate.
import { z } from 'zod';
import { route, type AnyRoute } from '../platform/http/route.js';
import { readRawBody } from '../platform/http/raw-body.js';
import { COMMAND_ROOM, EVERYONE } from '../platform/auth/roles.js';
import { assertEveryTown } from '../platform/auth/account-scope.js';
import type { OrganisationsService } from './organisations.service.js';
import type { HandoffsService } from './handoffs.service.js';
import type { ConsultationsService } from './consultations.service.js';
import type { CountyService } from './county.service.js';
import {
  DeadlineRuleBody,
  HolderStepBody,
  IncidentParams,
  MemberBody,
  NewOrgBody,
  OfferBody,
  OrgListQuery,
  OrgParams,
  OrgPatch,
  QueueQuery,
  RangeQuery,
  SteerBody,
  ConveneBody,
  ConsultPostBody,
  TownComparisonAnswer,
} from './organisations.schemas.js';

const HOLDERS = [...COMMAND_ROOM, 'department'] as const;
const DAY = 86_400_000;

export function organisationRoutes(
  orgs: OrganisationsService,
  handoffs: HandoffsService,
  consultations: ConsultationsService,
  county: CountyService,
  photoMaxBytes: number,
): AnyRoute[] {
  return [
    route({
      method: 'get',
      path: '/api/organisations',
      tag: 'organisations',
      access: EVERYONE,
      query: OrgListQuery,
      summary: "The caller's towns' organisations: command room, platforms, departments, villages, county centre",
      handler: ({ auth, query }) => orgs.list(auth, { kind: query.kind, townCode: query.town }),
    }),
    route({
      method: 'post',
      path: '/api/organisations',
      tag: 'organisations',
      access: ['admin'],
      status: 201,
      body: NewOrgBody,
      summary: 'Add an organisation (a county one: by an admin of every town under it)',
      handler: ({ auth, body }) => orgs.create(auth, body),
    }),
    route({
      method: 'get',
      path: '/api/organisations/:id',
      tag: 'organisations',
      access: EVERYONE,
      params: OrgParams,
      summary: 'An organisation and its members with their duty (受理, 处置, 负责人)',
      handler: ({ auth, params }) => orgs.detail(auth, params.id),
    }),
    route({
      method: 'patch',
      path: '/api/organisations/:id',
      tag: 'organisations',
      access: ['admin'],
      params: OrgParams,
      body: OrgPatch,
      summary: "Rename, re-parent, change an organisation's deadlines or categories, deactivate it",
      handler: ({ auth, params, body }) => orgs.update(auth, params.id, body),
    }),
    route({
      method: 'put',
      path: '/api/organisations/:id/members',
      tag: 'organisations',
      access: ['admin'],
      params: OrgParams,
      body: MemberBody,
      summary: 'Put an account in the organisation with a duty, change its duty, or (duty null) take it out',
      handler: ({ auth, params, body }) =>
        body.duty === null
          ? orgs.removeMember(auth, params.id, body.accountId)
          : orgs.setMember(auth, params.id, body.accountId, body.duty),
    }),
    route({
      method: 'get',
      path: '/api/me/organisations',
      tag: 'organisations',
      access: EVERYONE,
      summary: 'The organisations the caller works in, with their duty there',
      handler: async ({ auth }) => orgs.membershipsOf(auth.me.id),
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/handoffs',
      tag: 'organisations',
      access: HOLDERS,
      params: IncidentParams,
      summary: "An incident's handoffs (交办/上报/下派), their steps, suggested holders and your actions",
      handler: ({ auth, params }) => handoffs.forIncident(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/handoffs',
      tag: 'organisations',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: OfferBody,
      status: 201,
      summary: 'Hand the incident to a lead organisation (主办) with co-handlers (协办); to the county: 上报',
      handler: ({ auth, params, body }) => handoffs.offer(auth, params.id, body),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/handoffs/steps',
      tag: 'organisations',
      access: HOLDERS,
      params: IncidentParams,
      body: HolderStepBody,
      summary: "A holder's step: accept (受理), feedback (反馈), return (退回, with the reason)",
      handler: ({ auth, params, body }) => handoffs.hold(auth, params.id, body),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/handoffs/steer',
      tag: 'organisations',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: SteerBody,
      summary: "The hander's step on a handoff: close (终结), withdraw, urge (督办)",
      handler: ({ auth, params, body }) => handoffs.steer(auth, params.id, body),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/handoffs/photos',
      tag: 'organisations',
      access: HOLDERS,
      params: IncidentParams,
      status: 201,
      rawBody: {
        description: 'A photo of what was done (反馈照片)',
        contentTypes: ['image/jpeg', 'image/png', 'image/webp', 'video/mp4'],
      },
      summary: "A holder's photo or video of what was done, attached to the incident",
      handler: async ({ auth, params, req }) =>
        handoffs.addPhoto(auth, params.id, req.headers['content-type'] ?? '', await readRawBody(req, photoMaxBytes)),
    }),
    route({
      method: 'get',
      path: '/api/incidents/:id/consultations',
      tag: 'organisations',
      access: HOLDERS,
      params: IncidentParams,
      summary: "An incident's 会商 (consultations): who is convened and the shared thread",
      handler: ({ auth, params }) => consultations.list(auth, params.id),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/consultations',
      tag: 'organisations',
      access: COMMAND_ROOM,
      params: IncidentParams,
      body: ConveneBody,
      status: 201,
      summary: 'Convene several organisations on the incident (会商)',
      handler: ({ auth, params, body }) => consultations.convene(auth, params.id, body),
    }),
    route({
      method: 'post',
      path: '/api/incidents/:id/consultations/messages',
      tag: 'organisations',
      access: HOLDERS,
      params: IncidentParams,
      body: ConsultPostBody,
      summary: "Write in a 会商's thread (the command room and those convened), or end it (close, the command room)",
      handler: ({ auth, params, body }) => consultations.post(auth, params.id, body),
    }),
    route({
      method: 'get',
      path: '/api/consultations',
      tag: 'organisations',
      access: HOLDERS,
      summary: "Open 会商 the caller's organisations are convened to",
      handler: ({ auth }) => consultations.mine(auth),
    }),
    route({
      method: 'get',
      path: '/api/handoffs',
      tag: 'organisations',
      access: HOLDERS,
      query: QueueQuery,
      summary:
        "A page of the queue: what the caller's organisations hold; for the command room and a county's staff, every handoff " +
        'of their towns; filtered (open, state, kind, town, overdue, words) and ordered on the server, with the total count',
      handler: ({ auth, query }) => handoffs.queue(auth, query),
    }),
    route({
      method: 'get',
      path: '/api/stats/departments',
      tag: 'organisations',
      access: [...HOLDERS, 'planner'],
      query: RangeQuery,
      summary:
        'The department league: received, accepted, finished, returned, overdue, yellow cards, times, satisfaction',
      handler: ({ auth, query }) => {
        const to = query.to ?? new Date();
        return handoffs.league(auth, query.from ?? new Date(to.getTime() - 30 * DAY), to);
      },
    }),
    route({
      method: 'get',
      path: '/api/stats/towns',
      tag: 'organisations',
      access: COMMAND_ROOM,
      query: RangeQuery,
      summary:
        "The caller's towns side by side over a period (default the last 30 days): reported, closed, closure rate, open and " +
        'overdue now, median seconds to accept and to close, satisfaction, yellow cards to grids and to organisations, ' +
        "handoffs and escalations; with each town's box and a point inside it for the map",
      responses: {
        200: { description: 'The towns side by side, their totals and their box', schema: TownComparisonAnswer },
      },
      handler: ({ auth, query }) => county.compare(auth, query),
    }),
    route({
      method: 'get',
      path: '/api/org-yellow-cards',
      tag: 'organisations',
      access: [...HOLDERS, 'planner'],
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      summary: 'Yellow cards given to organisations for missed accept or finish deadlines, newest first',
      handler: ({ auth, query }) => handoffs.cards(auth, query.limit),
    }),
    route({
      method: 'get',
      path: '/api/handoff-deadlines',
      tag: 'organisations',
      access: EVERYONE,
      summary: "Subcategories' own handoff deadlines (others use the organisation's, 2 d / 7 d by default)",
      handler: () => handoffs.deadlineRules(),
    }),
    route({
      method: 'put',
      path: '/api/handoff-deadlines/:code',
      tag: 'organisations',
      access: ['admin'],
      params: z.strictObject({ code: z.string().max(90) }),
      body: DeadlineRuleBody,
      summary: "Set a subcategory's handoff deadlines (minutes to accept, to finish)",
      handler: ({ auth, params, body }) => {
        assertEveryTown(auth, 'the deadlines every town shares');
        return handoffs.setDeadlineRule(params.code, body.acceptMinutes, body.finishMinutes);
      },
    }),
  ];
}
