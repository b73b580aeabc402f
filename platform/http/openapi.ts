// The OpenAPI document, generated from the same route declarations and zod schemas
// that validate requests, so the two cannot drift apart.
import { z } from 'zod';
import type { AnyRoute } from './route.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  return z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as JsonSchema;
}

function parameters(schema: z.ZodType | undefined, where: 'path' | 'query'): JsonSchema[] {
  if (!schema) return [];
  const json = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: property,
    ...(typeof property['description'] === 'string' ? { description: property['description'] } : {}),
  }));
}

const errorSchema = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} },
      required: ['code', 'message'],
    },
  },
};

export function buildOpenApi(routes: readonly AnyRoute[], version: string): JsonSchema {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const openPath = r.path.replace(/:(\w+)/g, '{$1}');
    const responses: Record<string, unknown> = {};
    const ok = r.status ?? 200;
    responses[String(ok)] = { description: 'Success' };
    for (const [status, spec] of Object.entries(r.responses ?? {})) {
      responses[status] = {
        description: spec.description,
        ...(spec.schema
          ? { content: { [spec.contentType ?? 'application/json']: { schema: jsonSchema(spec.schema, 'output') } } }
          : {}),
      };
    }
    for (const status of ['400', '401', '403', '404', '409', '422']) {
      responses[status] ??= {
        description: 'Error',
        content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
      };
    }
    paths[openPath] ??= {};
    paths[openPath][r.method] = {
      summary: r.summary,
      tags: [r.tag],
      ...(r.access === 'public' ? { security: [] } : {}),
      ...(r.access === 'device'
        ? { security: [{ deviceToken: [] }], description: "A device's token (dev_…), not an account's session." }
        : {}),
      ...(Array.isArray(r.access)
        ? {
            description: `Roles: ${r.access.join(', ')} (admin always)${r.ownerAccess?.length ? `; ${r.ownerAccess.join(', ')} for their own only` : ''}.`,
          }
        : {}),
      parameters: [...parameters(r.params, 'path'), ...parameters(r.query, 'query')],
      ...(r.body
        ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } }
        : {}),
      ...(r.rawBody
        ? {
            requestBody: {
              required: true,
              description: r.rawBody.description,
              content: Object.fromEntries(
                r.rawBody.contentTypes.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]),
              ),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '网格天眼 API',
      version,
      description: 'Grid map, cameras, gridworkers and incidents for a town command room.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: "An account's session token (POST /api/auth/login)" },
        deviceToken: {
          type: 'http',
          scheme: 'bearer',
          description: "A gridworker's phone: its device token (dev_…), issued when the device is added",
        },
      },
      schemas: { Error: errorSchema },
    },
    security: [{ bearer: [] }],
    paths,
  };
}
