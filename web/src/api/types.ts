// The server's shapes, named for the pages: all from the types generated of the api's
// OpenAPI document (schema.gen.ts, made by `npm run types:web`), never copied by hand.
import type { components, paths } from './schema.gen';

type Schemas = components['schemas'];

export type Account = Schemas['Account'];
export type Role = Account['roles'][number];
export type Area = Schemas['Area'];
export type Camera = Schemas['Camera'];
export type CameraStatus = Camera['status'];
export type CameraProfile = Camera['profiles'][number];
export type Placement = NonNullable<Camera['placement']>;
export type LockHolder = Schemas['PtzLockHolder'];
export type OnDutyPerson = Schemas['OnDutyPerson'];
export type Incident = Schemas['Incident'];
export type IncidentState = Incident['state'];
export type IncidentAction = Body<'/api/incidents/{id}/actions', 'post'>['action'];
/** The body of every 4xx/5xx: `{error: {code, message, details?}}`. */
export type ErrorBody = Schemas['Error'];

// ---- Requests, typed by the OpenAPI path (`/api/cameras/{id}`) and method ----

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;

/** The paths that answer method M. */
export type PathWith<M extends Method> = {
  [P in keyof paths]: [paths[P][M]] extends [undefined] ? never : P;
}[keyof paths];

type Json<R> = R extends { content: { 'application/json': infer J } } ? J : undefined;

/** The answer of a success (200, 201 or 204). */
export type Answer<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { responses: infer R }
    ? R extends { 200: infer A }
      ? Json<A>
      : R extends { 201: infer A }
        ? Json<A>
        : undefined
    : never;

type PathParams<O> = O extends { parameters: { path: infer A } } ? ([A] extends [undefined] ? never : A) : never;
type QueryParams<O> = O extends { parameters: { query?: infer Q } } ? ([Q] extends [undefined] ? never : Q) : never;
type JsonBody<O> = O extends { requestBody: { content: { 'application/json': infer B } } } ? B : never;

/** The JSON body a route takes. */
export type Body<P extends keyof paths, M extends Method> = JsonBody<Operation<P, M>>;

/** What a request needs besides its path: `path` when it has `{placeholders}`, `body` when it takes one. */
export type RequestOptions<P extends keyof paths, M extends Method> = ([PathParams<Operation<P, M>>] extends [never]
  ? { path?: undefined }
  : { path: PathParams<Operation<P, M>> }) &
  ([QueryParams<Operation<P, M>>] extends [never] ? { query?: undefined } : { query?: QueryParams<Operation<P, M>> }) &
  ([JsonBody<Operation<P, M>>] extends [never] ? { body?: undefined } : { body: JsonBody<Operation<P, M>> }) & {
    signal?: AbortSignal;
    /** Sent as Idempotency-Key: the same key again gets the first answer, nothing done twice. */
    idempotencyKey?: string;
  };
