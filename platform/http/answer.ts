// Response schemas for the OpenAPI document (and so for the web app's generated types),
// tied at compile time to the type the service returns, as JSON sends it: a schema that
// forgets a field, or types one differently from the service, fails `tsc`.
import type { z } from 'zod';

/** What JSON.stringify makes of T: dates become ISO strings (arrays and tuples keep their shape). */
export type Jsonified<T> = T extends Date ? string : T extends object ? { [K in keyof T]: Jsonified<T[K]> } : T;

type Missing<T, S extends z.ZodType> = Exclude<keyof T, keyof z.output<S>>;

/** The schema, if every value of T (as JSON) fits it and it names every field of T; a type error otherwise. */
type Describes<T, S extends z.ZodType> = [Jsonified<T>] extends [z.output<S>]
  ? [Missing<Jsonified<T>, S>] extends [never]
    ? S
    : { missingFields: Missing<Jsonified<T>, S> }
  : { schemaDoesNotFit: Jsonified<T> };

/**
 * `answer<Camera>()(CameraSchema)`: the schema of an answer that is a T. The first call
 * names the service's type, the second takes the schema (TypeScript cannot infer one
 * type argument and take the other).
 */
export function answer<T>() {
  return <S extends z.ZodType>(schema: S & Describes<T, S>): S => schema;
}
