// GeoReport v2 over the incident module: the taxonomy's active subcategories are the
// services, incidents that citizens reported are the service requests. A report goes
// through the same intake as every other (grid lookup, routing, merge, dispatch).
import { inTransaction, type Db } from '../../platform/db/pool.js';
import { Forbidden } from '../../platform/errors.js';
import type { MediaStore } from '../../platform/media-store.js';
import { IncidentsRepository } from '../incidents.repository.js';
import type { IntakeService } from '../intake.service.js';
import { PLATFORM_NAMES, type Actor, type Incident } from '../model.js';
import { MediaRepository } from '../media.repository.js';
import { ImageFormatError, stripImageMetadata } from '../../platform/image-metadata.js';
import { publicStatus } from './public-status.js';
import type { Open311Attribute, Subcategory } from '../taxonomy.repository.js';
import type { TaxonomyService } from '../taxonomy.service.js';
import { validateAttributes } from './attributes.js';
import type { ClientKeysService } from './client-keys.service.js';
import { badRequest, forbidden, notFound, toOpen311Error } from './errors.js';
import { firstField, parseRequestFilter, parseSubmission, type Fields, type Submission } from './schemas.js';
import { ServiceRequestsRepository, type ServiceRequestRow } from './service-requests.repository.js';
import type { GazetteerService } from '../../gazetteer/module.js';
import { normalizeAddress } from '../../gazetteer/module.js';
import type { PlacementService } from '../placement.service.js';

export const SPECIFICATION = 'http://wiki.open311.org/GeoReport_v2';
/** When this endpoint's document last changed (the discovery's changeset). */
const CHANGESET = '2026-11-22T00:00:00Z';
const DEFAULT_DAYS = 90;
const MAX_REQUESTS = 1000;
const CONTACT_FIELDS = ['email', 'phone', 'first_name', 'last_name', 'device_id', 'account_id'] as const;

export type Client = NonNullable<Awaited<ReturnType<ClientKeysService['authenticate']>>>;

function contactOf(input: Submission): Record<string, string> | null {
  const contact = Object.fromEntries(CONTACT_FIELDS.flatMap((f) => (input[f] === undefined ? [] : [[f, input[f]]])));
  return Object.keys(contact).length ? contact : null;
}

/** What the sender gave beside the service's attributes, kept with the report: its picture's link, its case number. */
function keepLinks(input: Submission, attributes: Record<string, string>): void {
  if (input.media_url) attributes['media_url'] = input.media_url;
  if (input.external_id) attributes['external_id'] = input.external_id;
}

const DATATYPE_DESCRIPTIONS: Partial<Record<Open311Attribute['datatype'], string>> = {
  number: '填一个数字 a number',
  datetime: '日期时间 a W3C datetime, e.g. 2026-11-22T08:00:00+08:00',
  singlevaluelist: '选一项 one of the keys in values',
  multivaluelist: '可选多项 one or more of the keys in values (attribute[code][]=key)',
};

/**
 * Citizens often write their mobile or ID-card number into the description ("请回电
 * 13912345678"); the public answers show it masked, as 139****5678.
 */
export function maskPersonalNumbers<T extends string | null>(text: T): T {
  if (text === null) return text;
  return text
    .replace(/(?<!\d)(\d{6})\d{8}(\d{3}[\dXx])(?![\dXx])/g, '$1********$2')
    .replace(/(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)/g, '$1****$2') as T;
}

export interface Open311Settings {
  townUtcOffsetHours: number;
}

export class Open311Service {
  constructor(
    private readonly db: Db,
    private readonly taxonomy: TaxonomyService,
    private readonly intake: IntakeService,
    private readonly clients: ClientKeysService,
    private readonly media: MediaStore,
    private readonly settings: Open311Settings,
    private readonly gazetteer: GazetteerService,
    private readonly placement: PlacementService,
  ) {}

  discovery(endpointUrl: string) {
    return {
      changeset: CHANGESET,
      contact: '网格天眼 综合指挥室 town command room; 12345 政务服务便民热线',
      key_service: 'API keys are issued by the town command room (admins: POST /api/open311/clients)',
      endpoints: [
        {
          specification: SPECIFICATION,
          url: endpointUrl,
          changeset: CHANGESET,
          type: 'production',
          formats: ['text/xml', 'application/json'],
        },
      ],
    };
  }

  async services(fields: Fields) {
    await this.jurisdiction(fields);
    return (await this.taxonomy.all())
      .filter((s) => s.active)
      .map((s) => ({
        service_code: s.code,
        service_name: s.name,
        description: `${s.name} ${s.nameEn}（${PLATFORM_NAMES[s.platform]}）`,
        metadata: s.attributes.length > 0,
        type: 'realtime',
        keywords: [s.name, s.nameEn, s.categoryName].join(', '),
        group: s.categoryName,
      }));
  }

  async definition(code: string, fields: Fields) {
    await this.jurisdiction(fields);
    const sub = await this.activeService(code);
    if (!sub) throw notFound(`No service has the service_code "${code}"`);
    return {
      service_code: sub.code,
      attributes: [...sub.attributes]
        .sort((a, b) => a.order - b.order)
        .map((a) => ({
          variable: true,
          code: a.code,
          datatype: a.datatype,
          required: a.required,
          datatype_description: DATATYPE_DESCRIPTIONS[a.datatype] ?? '',
          order: a.order,
          description: a.description,
          ...(a.values ? { values: a.values.map((v) => ({ key: v.key, name: v.name })) } : {}),
        })),
    };
  }

  /** The client a POST comes from, told by its api_key; a 403 for a missing, unknown or disabled key. */
  async client(fields: Fields): Promise<Client> {
    const client = await this.clients.authenticate(firstField(fields, 'api_key'));
    if (!client)
      throw forbidden('A valid api_key is required to submit a service request (missing, unknown or disabled key)');
    return client;
  }

  /** POST requests: one report through the intake; a merge answers the incident it joined. */
  async submit(client: Client, fields: Fields, photoBytes: Buffer | null = null) {
    const jurisdiction = await this.jurisdiction(fields);
    if (client.townId !== null && jurisdiction !== null && jurisdiction !== client.townId) {
      throw forbidden(`This api_key may only report in town ${client.townCode} (${client.townName})`);
    }
    const input = parseSubmission(fields);
    if (!input.service_code) throw badRequest('service_code is required (GET services.json lists them)');
    const sub = await this.activeService(input.service_code);
    if (!sub)
      throw badRequest(`service_code "${input.service_code}" is not a service here (GET services.json lists them)`);
    const attributes = validateAttributes(sub.code, sub.attributes, input.attributes);
    if (input.lat === undefined && input.long === undefined && input.address_string) {
      return this.submitAddress(input, sub, attributes, client, jurisdiction, photoBytes);
    }
    if (input.lat === undefined || input.long === undefined) {
      throw badRequest(
        input.address_id
          ? 'address_id is not known here: send address_string (the address as the caller said it), or lat and long (WGS-84 decimal degrees)'
          : 'A location is required: send lat and long (WGS-84 decimal degrees), or address_string',
      );
    }
    const contact = contactOf(input);
    keepLinks(input, attributes);
    const townIds = client.townId !== null ? [client.townId] : jurisdiction !== null ? [jurisdiction] : null;
    // Checked and stripped before anything is written: a bad photo refuses the whole request.
    const photo = photoBytes ? citizenPhoto(photoBytes) : null;
    const actor = { kind: 'citizen' as const, clientId: client.id, label: client.name };
    const result = await this.intakeOrRefuse(client, () =>
      this.intake.report(
        {
          source: 'open311',
          subcategoryCode: sub.code,
          description: input.description ?? sub.name,
          lon: input.long!,
          lat: input.lat!,
          address: input.address_string ?? null,
          contact,
          attributes: Object.keys(attributes).length ? attributes : null,
          townIds,
        },
        actor,
      ),
    );
    if (photo) await this.attachPhoto(result.incident, result.reportId, photo, actor);
    return [
      {
        service_request_id: String(result.incident.id),
        service_notice: this.notice(result),
        account_id: input.account_id ?? null,
      },
    ];
  }

  /**
   * A call with an address and no point: the gazetteer places it (a point and its grid,
   * then the usual intake), or it opens 待定位 for the command room to place on the map.
   */
  private async submitAddress(
    input: Submission,
    sub: Subcategory,
    attributes: Record<string, string>,
    client: Client,
    jurisdiction: number | null,
    photoBytes: Buffer | null,
  ) {
    const address = input.address_string!;
    const photo = photoBytes ? citizenPhoto(photoBytes) : null;
    const townIds = client.townId !== null ? [client.townId] : jurisdiction !== null ? [jurisdiction] : null;
    const located = await this.gazetteer.locate(address, townIds);
    keepLinks(input, attributes);
    const actor = { kind: 'citizen' as const, clientId: client.id, label: client.name };
    const { grid: _grid, ...geocode } = located;
    if (located.status === 'placed') {
      const result = await this.intakeOrRefuse(client, () =>
        this.intake.report(
          {
            source: 'open311',
            subcategoryCode: sub.code,
            description: input.description ?? sub.name,
            lon: located.lon,
            lat: located.lat,
            address,
            contact: contactOf(input),
            attributes: Object.keys(attributes).length ? attributes : null,
            townIds,
          },
          actor,
        ),
      );
      if (!result.merged) await this.placement.noteGeocode(result.incident.id, geocode);
      if (photo) await this.attachPhoto(result.incident, result.reportId, photo, actor);
      return [
        {
          service_request_id: String(result.incident.id),
          service_notice: `${this.notice(result)}（按地址定位：${located.place}）`,
          account_id: input.account_id ?? null,
        },
      ];
    }
    const townId = located.townId ?? townIds?.[0] ?? this.gazetteer.onlyTown();
    if (townId === null) {
      throw badRequest(
        `The address "${address}" names no town served here: send jurisdiction_id (the town's code), or lat and long`,
      );
    }
    const start = located.suggestion ?? this.gazetteer.townPoint(townId);
    if (!start)
      throw badRequest(
        `The address "${address}" names no town served here: send jurisdiction_id (the town's code), or lat and long`,
      );
    const { incident, merged } = await this.placement.reportUnlocated(
      {
        source: 'open311',
        subcategoryCode: sub.code,
        description: input.description ?? sub.name,
        address,
        townId,
        provisional: { lon: start.lon, lat: start.lat },
        geocode: { ...geocode, key: normalizeAddress(address) },
        reporterAccountId: null,
        contact: contactOf(input),
        attributes: Object.keys(attributes).length ? attributes : null,
      },
      actor,
    );
    if (photo) {
      const reportId = await new ServiceRequestsRepository(this.db).newestReportId(incident.id);
      if (reportId !== null) await this.attachPhoto(incident, reportId, photo, actor);
    }
    return [
      {
        service_request_id: String(incident.id),
        service_notice: merged
          ? `已并入同一地址的同类来电 #${incident.id}（共 ${incident.reportCount} 次反映），正在确定位置 This call joined request ${incident.id} of the same kind at the same address; it is being placed on the map`
          : `已受理，正在确定位置：指挥中心将根据地址在地图上标定后派单 Received; the command room is finding the address on the map, then a gridworker will be sent`,
        account_id: input.account_id ?? null,
      },
    ];
  }

  private async intakeOrRefuse<T>(client: Client, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof Forbidden) {
        throw client.townId !== null
          ? forbidden(
              `This api_key may only report in town ${client.townCode} (${client.townName}); the point lies outside it`,
            )
          : badRequest('The point lies outside the town given as jurisdiction_id');
      }
      throw toOpen311Error(err) ?? err;
    }
  }

  private notice({ incident, merged }: { incident: Incident; merged: boolean }): string {
    return merged
      ? `已并入附近同类事件 #${incident.id}（共 ${incident.reportCount} 次反映），请以此编号查询 This report joined open request ${incident.id} of the same kind nearby (${incident.reportCount} reports); follow that one`
      : `已受理，由${PLATFORM_NAMES[incident.platform]}平台办理，预计 ${this.datetime(incident.finishDueAt)} 前办结 Received by ${PLATFORM_NAMES[incident.platform]}; expected to be resolved by ${this.datetime(incident.finishDueAt)}`;
  }

  /** GET requests: a list of ids overrides every other filter; otherwise the last 90 days, at most 1000. */
  async list(fields: Fields, endpointUrl: string) {
    const townId = await this.jurisdiction(fields);
    const f = parseRequestFilter(fields, this.settings.townUtcOffsetHours);
    const open = f.statuses?.length === 1 ? f.statuses[0] === 'open' : undefined;
    const rows = f.ids
      ? await new ServiceRequestsRepository(this.db).list({ ids: f.ids, limit: MAX_REQUESTS })
      : await new ServiceRequestsRepository(this.db).list({
          serviceCodes: f.serviceCodes,
          open,
          townId: townId ?? undefined,
          limit: MAX_REQUESTS,
          since:
            f.start ??
            (f.end
              ? new Date(f.end.getTime() - DEFAULT_DAYS * 86_400_000)
              : new Date(Date.now() - DEFAULT_DAYS * 86_400_000)),
          until: f.end,
        });
    return rows.map((r) => this.view(r, endpointUrl));
  }

  async get(id: string, fields: Fields, endpointUrl: string) {
    await this.jurisdiction(fields);
    const row = /^\d{1,15}$/.test(id)
      ? (await new ServiceRequestsRepository(this.db).list({ ids: [Number(id)], limit: 1 }))[0]
      : undefined;
    if (!row) throw notFound(`No service request has the id "${id}"`);
    return [this.view(row, endpointUrl)];
  }

  /** The citizen's own photo of a request, without its metadata (stripped when stored, and again here for older files). */
  async photo(id: number, mediaId: number): Promise<{ contentType: string; body: Buffer }> {
    const photo = await new ServiceRequestsRepository(this.db).photo(id, mediaId);
    if (!photo) throw notFound(`No photo ${mediaId} of service request ${id}`);
    try {
      return {
        contentType: photo.contentType,
        body: stripImageMetadata(await this.media.read(photo.file), photo.contentType),
      };
    } catch (err) {
      if (err instanceof ImageFormatError) throw notFound(`No photo ${mediaId} of service request ${id} can be shown`);
      throw err;
    }
  }

  /** The citizen's photo, kept with their report (it is what the public face shows). */
  private async attachPhoto(
    incident: Incident,
    reportId: number,
    photo: { type: PhotoType; body: Buffer },
    actor: Actor,
  ): Promise<void> {
    const file = await this.media.save(photo.body, photo.type.ext);
    await inTransaction(this.db, async (tx) => {
      const m = await new MediaRepository(tx).add({
        incidentId: incident.id,
        reportId,
        kind: 'photo',
        stage: 'report',
        contentType: photo.type.contentType,
        bytes: photo.body.length,
        file,
        personId: null,
        accountId: null,
      });
      await new IncidentsRepository(tx).appendHistory({
        incidentId: incident.id,
        action: 'media',
        fromState: incident.state,
        toState: incident.state,
        actor,
        data: { mediaId: m.id, kind: 'photo', stage: 'report' },
      });
    });
  }

  /** What the public sees of a request: never who reported it or how to reach them. */
  private view(r: ServiceRequestRow, endpointUrl: string) {
    const closed = r.state === 'closed' || r.state === 'merged';
    const merged = r.state === 'merged' && r.mergedInto !== null;
    return {
      service_request_id: String(r.id),
      status: closed ? 'closed' : 'open',
      status_notes: publicStatus(r.state, merged ? r.mergedInto : null),
      service_name: r.serviceName,
      service_code: r.serviceCode,
      description: maskPersonalNumbers(r.description),
      agency_responsible: PLATFORM_NAMES[r.platform],
      service_notice: null,
      requested_datetime: this.datetime(r.requestedAt),
      updated_datetime: this.datetime(r.updatedAt),
      expected_datetime: this.datetime(r.expectedAt),
      address: r.address,
      // 待定位: the stored point is only where the command room starts looking.
      lat: r.state === 'unlocated' ? null : r.lat,
      long: r.state === 'unlocated' ? null : r.lon,
      media_url: r.photoId !== null ? `${endpointUrl}/requests/${r.id}/media/${r.photoId}` : r.citizenMediaUrl,
    };
  }

  /** jurisdiction_id is optional; when given it is one of the towns here (its code). */
  private async jurisdiction(fields: Fields): Promise<number | null> {
    const code = firstField(fields, 'jurisdiction_id');
    if (code === undefined) return null;
    const townId = /^[\w.-]{1,40}$/.test(code) ? await new IncidentsRepository(this.db).townIdByCode(code) : null;
    if (townId === null) throw notFound(`jurisdiction_id "${code}" is not a town served here`);
    return townId;
  }

  private async activeService(code: string): Promise<Subcategory | null> {
    const sub = await this.taxonomy.find(code);
    return sub && sub.active ? sub : null;
  }

  /** W3C datetime in the town's own offset (2026-11-22T14:05:00+08:00). */
  private datetime(d: Date): string {
    const h = this.settings.townUtcOffsetHours;
    const shifted = new Date(d.getTime() + h * 3_600_000).toISOString().slice(0, 19);
    const abs = Math.abs(h);
    return `${shifted}${h < 0 ? '-' : '+'}${String(Math.trunc(abs)).padStart(2, '0')}:${String(Math.round((abs % 1) * 60)).padStart(2, '0')}`;
  }
}

interface PhotoType {
  contentType: 'image/jpeg' | 'image/png' | 'image/webp';
  ext: string;
}

/** The citizen's photo, told by its first bytes, without its metadata; a 400 for anything else. */
function citizenPhoto(body: Buffer): { type: PhotoType; body: Buffer } {
  const type: PhotoType | null =
    body[0] === 0xff && body[1] === 0xd8
      ? { contentType: 'image/jpeg', ext: 'jpg' }
      : body.toString('latin1', 1, 4) === 'PNG'
        ? { contentType: 'image/png', ext: 'png' }
        : body.toString('latin1', 0, 4) === 'RIFF' && body.toString('latin1', 8, 12) === 'WEBP'
          ? { contentType: 'image/webp', ext: 'webp' }
          : null;
  if (!type) throw badRequest('media must be a photo: JPEG, PNG or WebP');
  try {
    return { type, body: stripImageMetadata(body, type.contentType) };
  } catch (err) {
    if (err instanceof ImageFormatError)
      throw badRequest(`media is not a readable ${type.contentType}: ${err.message}`);
    throw err;
  }
}
