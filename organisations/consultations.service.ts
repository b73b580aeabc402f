// 会商: the command room convenes several organisations on one incident; they and the
// command room write in one shared thread; the command room ends it. Each convening is a
// step in the incident's timeline; every message goes out on the `handoffs` topic.
import type { AuthContext } from '../platform/auth/auth-context.js';
import { inTransaction, type Db } from '../platform/db/pool.js';
import { BadRequest, Conflict, Forbidden, NotFound, Unprocessable } from '../platform/errors.js';
import type { LiveBus } from '../platform/live/live-bus.js';
import type { IncidentServices } from '../incidents/module.js';
import { ConsultationsRepository, type Consultation } from './consultations.repository.js';
import type { OrganisationsService } from './organisations.service.js';

export class ConsultationsService {
  constructor(
    private readonly db: Db,
    private readonly orgs: OrganisationsService,
    private readonly incidents: IncidentServices['incidents'],
    private readonly live: LiveBus,
  ) {}

  private async access(auth: AuthContext, incidentId: number) {
    const incident = await this.incidents.get(auth, incidentId);
    const mine = await this.orgs.membershipsOf(auth.me.id);
    return { incident, mine, commandRoom: auth.hasRole('operator', 'dispatcher') };
  }

  async convene(
    auth: AuthContext,
    incidentId: number,
    input: { orgs: string[]; topic: string },
  ): Promise<Consultation[]> {
    const { incident, mine, commandRoom } = await this.access(auth, incidentId);
    if (!commandRoom) throw new Forbidden('会商 is convened by the command room');
    if (new Set(input.orgs).size !== input.orgs.length)
      throw new BadRequest('An organisation is named twice', { field: 'orgs' }, 'duplicate');
    const visible = await this.orgs.list(auth);
    const ids: number[] = [];
    const names: string[] = [];
    for (const code of input.orgs) {
      const o = visible.find((x) => x.code === code && x.active);
      if (!o) throw new Unprocessable(`No organisation ${code}`, { field: 'orgs' }, 'unknown_org');
      if (o.townId !== null && o.townId !== incident.townId)
        throw new Unprocessable(`${o.name} belongs to another town`, { field: 'orgs' });
      ids.push(o.id);
      names.push(o.name);
    }
    await inTransaction(this.db, (tx) =>
      new ConsultationsRepository(tx).insert(incidentId, incident.townId, input.topic, auth.me.id, ids),
    );
    const room = mine.find((o) => o.kind === 'command_room' || o.kind === 'county_centre');
    const actor = await this.incidents.actorOf(auth);
    await this.incidents.recordStep(
      { ...actor, label: room ? `${actor.label}（${room.name}）` : actor.label },
      incidentId,
      { action: 'consult', note: `会商：${input.topic}（${names.join('、')}）`, data: { orgs: input.orgs } },
    );
    await this.announce(incident.townId, incidentId, ids);
    return this.list(auth, incidentId);
  }

  async list(auth: AuthContext, incidentId: number): Promise<Consultation[]> {
    const { mine, commandRoom } = await this.access(auth, incidentId);
    const all = await new ConsultationsRepository(this.db).ofIncident(incidentId);
    if (commandRoom) return all;
    const seen = all.filter((c) => c.orgs.some((o) => mine.some((m) => m.id === o.id)));
    if (seen.length === 0) throw new NotFound(`Consultations of incident ${incidentId} (none convenes you)`);
    return seen;
  }

  /** Open consultations the caller's organisations are convened to, across their towns. */
  async mine(auth: AuthContext): Promise<Consultation[]> {
    const mine = await this.orgs.membershipsOf(auth.me.id);
    if (mine.length === 0) return [];
    return new ConsultationsRepository(this.db).ofOrgs(
      mine.map((o) => o.id),
      auth.townFilter,
    );
  }

  async post(
    auth: AuthContext,
    incidentId: number,
    input: { consultationId: number; body?: string; close?: boolean },
  ): Promise<Consultation[]> {
    const { incident, mine, commandRoom } = await this.access(auth, incidentId);
    const repo = new ConsultationsRepository(this.db);
    const c = (await repo.ofIncident(incidentId)).find((x) => x.id === input.consultationId);
    if (!c) throw new NotFound(`Consultation ${input.consultationId} of incident ${incidentId}`);
    const org = mine.find((m) => c.orgs.some((o) => o.id === m.id));
    if (!commandRoom && !org) throw new NotFound(`Consultation ${input.consultationId} of incident ${incidentId}`);
    if (c.closedAt) throw new Conflict('This 会商 has ended', { consultationId: c.id }, 'closed');
    if (input.close) {
      if (!commandRoom) throw new Forbidden('The command room ends a 会商');
      await repo.close(c.id);
    } else {
      if (!input.body?.trim()) throw new BadRequest('Say something (body)', { field: 'body' });
      const room = mine.find((o) => o.kind === 'command_room' || o.kind === 'county_centre');
      await repo.addMessage(c.id, auth.me.id, auth.me.displayName, (org ?? room)?.id ?? null, input.body.trim());
    }
    await this.announce(
      incident.townId,
      incidentId,
      c.orgs.map((o) => o.id),
    );
    return this.list(auth, incidentId);
  }

  private async announce(townId: number, incidentId: number, orgIds: number[]): Promise<void> {
    await this.live
      .publish([{ topic: 'handoffs', townId, data: { action: 'consult', incidentId, orgIds } }])
      .catch(() => undefined);
  }
}
