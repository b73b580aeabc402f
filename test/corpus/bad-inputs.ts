// A corpus of bad inputs for every public input: the JSON bodies, query strings and
// path parameters of every declared route (mutations generated from each route's zod
// schemas, through their JSON Schema), GeoJSON that is not, OsmAnd fixes by query, form
// and JSON, Open311 forms (JSON and XML answers), and uploads. Each case is one HTTP
// request; what a good server answers is up to the test: never a 5xx, and a 4xx that
// says what in JSON.
import { z } from 'zod';
import type { AnyRoute } from '../../platform/http/route.js';

export interface BadCase {
  /** Which input: route key, "osmand", "open311", "upload", "geojson". */
  input: string;
  what: string;
  port: 'api' | 'osmand';
  method: string;
  /** Path and query string. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Where errors come in Open311's own shape. */
  shape: 'api' | 'open311' | 'osmand';
}

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
  enum?: unknown[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  format?: string;
};

const jsonSchema = (s: z.ZodType): JsonSchema =>
  z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' }) as JsonSchema;

/** Values wrong for most fields: types, edges, sizes, characters that break parsers. */
export const HOSTILE_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  -0.0001,
  1e308,
  -1e308,
  2 ** 53 + 1,
  '',
  ' ',
  'x'.repeat(10_000),
  '\u0000',
  '\uFFFF\uD800',
  '😀😀',
  "' OR 1=1 --",
  '../../etc/passwd',
  '<x>&amp;</x>',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e999',
  '0x1F',
  '2026-13-45T25:61:00Z',
  [],
  [null],
  [[[[[]]]]],
  {},
  { __proto__: { polluted: 1 } },
  { constructor: { prototype: { polluted: 1 } } },
];

/** Values for one field, wrong by its own schema: past each bound, off its pattern and list. */
function violations(s: JsonSchema): unknown[] {
  const out: unknown[] = [];
  if (s.minimum !== undefined) out.push(s.minimum - 1);
  if (s.maximum !== undefined) out.push(s.maximum + 1);
  if (s.exclusiveMinimum !== undefined) out.push(s.exclusiveMinimum);
  if (s.exclusiveMaximum !== undefined) out.push(s.exclusiveMaximum);
  if (s.type === 'integer') out.push(2.5);
  if (s.minLength !== undefined && s.minLength > 0) out.push('x'.repeat(s.minLength - 1));
  if (s.maxLength !== undefined) out.push('x'.repeat(s.maxLength + 1));
  if (s.pattern !== undefined) out.push('不合规 ⟨pattern⟩ \n');
  if (s.enum) out.push(`not-${String(s.enum[0])}`);
  if (s.minItems !== undefined && s.minItems > 0) out.push([]);
  if (s.maxItems !== undefined && s.maxItems < 20_000) out.push(Array.from({ length: s.maxItems + 1 }, () => null));
  if (s.format === 'date-time') out.push('yesterday');
  for (const alt of [...(s.anyOf ?? []), ...(s.oneOf ?? [])]) out.push(...violations(alt));
  return out;
}

/** The same in a query string or path: text only. */
const HOSTILE_TEXT = [
  '',
  'abc',
  '-1',
  '0',
  '1.5',
  '1e999',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '%00',
  '%F0%9F%98%80',
  '%E4%B8%AD',
  'x'.repeat(3000),
  '..%2F..%2Fetc',
  "'%20OR%201=1",
  '2026-02-30',
  '%ZZ',
];

function textViolations(s: JsonSchema): string[] {
  return violations(s)
    .filter((v) => typeof v === 'string' || typeof v === 'number')
    .map((v) => encodeURIComponent(String(v)));
}

export interface RouteSample {
  path: string;
  query?: Record<string, string>;
  body?: unknown;
}

const setIn = (base: unknown, key: string, value: unknown) =>
  base && typeof base === 'object' && !Array.isArray(base) ? { ...(base as object), [key]: value } : { [key]: value };

/** Cases for one declared route, from its schemas and a sample request that would pass them. */
export function routeCases(route: AnyRoute, sample: RouteSample, headers: Record<string, string>): BadCase[] {
  const key = `${route.method.toUpperCase()} ${route.path}`;
  const method = route.method.toUpperCase();
  const cases: BadCase[] = [];
  const query = (q: Record<string, string>) => {
    const s = Object.entries(q)
      .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
      .join('&');
    return s ? `?${s}` : '';
  };
  const goodQuery = Object.fromEntries(Object.entries(sample.query ?? {}).map(([k, v]) => [k, encodeURIComponent(v)]));
  const add = (what: string, url: string, body?: string | Buffer, extra: Record<string, string> = {}) =>
    cases.push({
      input: key,
      what,
      port: 'api',
      method,
      url,
      body,
      headers: { ...headers, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...extra },
      shape: 'api',
    });
  const goodBody = sample.body === undefined ? undefined : JSON.stringify(sample.body);

  // Path parameters: each replaced by hostile text.
  for (const param of route.path.match(/:\w+/g) ?? []) {
    const schema = route.params ? (jsonSchema(route.params).properties?.[param.slice(1)] ?? {}) : {};
    for (const v of [...HOSTILE_TEXT.filter((x) => x !== ''), ...textViolations(schema)]) {
      const segments = sample.path.split('/');
      const at = route.path.split('/').indexOf(param);
      segments[at] = v;
      add(`path ${param} = ${v.slice(0, 40)}`, segments.join('/') + query(goodQuery), goodBody);
    }
  }

  // Query parameters: each replaced, repeated, and an unknown one added.
  if (route.query) {
    const props = jsonSchema(route.query).properties ?? {};
    for (const [name, schema] of Object.entries(props)) {
      if (name === 'access_token') continue;
      for (const v of [...HOSTILE_TEXT, ...textViolations(schema)])
        add(`query ${name} = ${v.slice(0, 40)}`, sample.path + query({ ...goodQuery, [name]: v }), goodBody);
      add(
        `query ${name} twice`,
        `${sample.path}${query(goodQuery)}${Object.keys(goodQuery).length ? '&' : '?'}${name}=1&${name}=2`,
        goodBody,
      );
    }
    add('query with an unknown parameter', sample.path + query({ ...goodQuery, 'no-such-param': '1' }), goodBody);
  }

  // JSON bodies: each field wrong (hostile values and its schema's own violations), a
  // field missing, one too many, the wrong whole, and text that is not JSON.
  if (route.body) {
    const schema = jsonSchema(route.body);
    const props = schema.properties ?? schema.anyOf?.find((a) => a.properties)?.properties ?? {};
    for (const [name, prop] of Object.entries(props)) {
      for (const v of [...HOSTILE_VALUES, ...violations(prop)])
        add(
          `body.${name} = ${JSON.stringify(v)?.slice(0, 40)}`,
          sample.path + query(goodQuery),
          JSON.stringify(setIn(sample.body, name, v)),
        );
      if (sample.body && typeof sample.body === 'object' && !Array.isArray(sample.body)) {
        const { [name]: _gone, ...rest } = sample.body as Record<string, unknown>;
        add(`body without ${name}`, sample.path + query(goodQuery), JSON.stringify(rest));
      }
    }
    for (const whole of [null, [], 'text', 42, { 'no such field': 1 }, [sample.body, sample.body]])
      add(`body = ${JSON.stringify(whole)?.slice(0, 40)}`, sample.path + query(goodQuery), JSON.stringify(whole));
    for (const text of [
      '{',
      '{"a":}',
      '{"a":1,}',
      "{'a':1}",
      '\u0000',
      '['.repeat(5000) + ']'.repeat(5000),
      `{"a":"${'\\u0000'.repeat(10)}"}`,
      '{"a":1e999999}',
      '\uFEFF{}',
    ]) {
      add(`body text ${JSON.stringify(text.slice(0, 20))}`, sample.path + query(goodQuery), text);
    }
    add('body as text/plain', sample.path + query(goodQuery), goodBody ?? '{}', { 'content-type': 'text/plain' });
    add('body as form', sample.path + query(goodQuery), 'a=1&b=2', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    add('no body', sample.path + query(goodQuery), undefined);
  }
  return cases;
}

/** Polygons that are not: for areas, plan grids and reshapes. */
export const BAD_GEOMETRIES: [string, unknown][] = [
  ['null', null],
  [
    'no type',
    {
      coordinates: [
        [
          [0, 0],
          [1, 0],
          [1, 1],
          [0, 0],
        ],
      ],
    },
  ],
  ['unknown type', { type: 'Circle', coordinates: [0, 0], radius: 5 }],
  ['a point', { type: 'Point', coordinates: [120.01, 30.005] }],
  [
    'a line',
    {
      type: 'LineString',
      coordinates: [
        [120, 30],
        [120.01, 30.01],
      ],
    },
  ],
  [
    'unclosed ring',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30],
          [120.01, 30.01],
          [120, 30.01],
        ],
      ],
    },
  ],
  [
    'three points',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30],
          [120, 30],
        ],
      ],
    },
  ],
  ['empty rings', { type: 'Polygon', coordinates: [] }],
  ['empty ring', { type: 'Polygon', coordinates: [[]] }],
  [
    'bow-tie',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30.01],
          [120.01, 30],
          [120, 30.01],
          [120, 30],
        ],
      ],
    },
  ],
  [
    'hole outside shell',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30],
          [120.01, 30.01],
          [120, 30.01],
          [120, 30],
        ],
        [
          [121, 31],
          [121.01, 31],
          [121.01, 31.01],
          [121, 31],
        ],
      ],
    },
  ],
  [
    'string coordinates',
    {
      type: 'Polygon',
      coordinates: [
        [
          ['120', '30'],
          ['120.01', '30'],
          ['120.01', '30.01'],
          ['120', '30'],
        ],
      ],
    },
  ],
  [
    'NaN-like coordinates',
    {
      type: 'Polygon',
      coordinates: [
        [
          [null, 30],
          [120.01, null],
          [120.01, 30.01],
          [null, null],
        ],
      ],
    },
  ],
  [
    'out of range',
    {
      type: 'Polygon',
      coordinates: [
        [
          [1000, 30],
          [1000.01, 30],
          [1000.01, 95],
          [1000, 30],
        ],
      ],
    },
  ],
  [
    'huge numbers',
    {
      type: 'Polygon',
      coordinates: [
        [
          [1e308, 1e308],
          [-1e308, 1e308],
          [-1e308, -1e308],
          [1e308, 1e308],
        ],
      ],
    },
  ],
  ['one number per position', { type: 'Polygon', coordinates: [[[120], [120.01], [120.02], [120]]] }],
  [
    '4D positions',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30, 1, 2, 3],
          [120.01, 30, 1, 2, 3],
          [120.01, 30.01, 1, 2, 3],
          [120, 30, 1, 2, 3],
        ],
      ],
    },
  ],
  ['too deep', { type: 'Polygon', coordinates: [[[[120, 30]], [[120.01, 30]], [[120.01, 30.01]], [[120, 30]]]] }],
  [
    'multipolygon nested like a polygon',
    {
      type: 'MultiPolygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30],
          [120.01, 30.01],
          [120, 30],
        ],
      ],
    },
  ],
  [
    'zero area',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120.01, 30],
          [120.02, 30],
          [120, 30],
        ],
      ],
    },
  ],
  [
    'repeated point only',
    {
      type: 'Polygon',
      coordinates: [
        [
          [120, 30],
          [120, 30],
          [120, 30],
          [120, 30],
        ],
      ],
    },
  ],
  ['geometry collection', { type: 'GeometryCollection', geometries: [{ type: 'Point', coordinates: [120, 30] }] }],
  [
    '200,000 vertices',
    {
      type: 'Polygon',
      coordinates: [
        [
          ...Array.from({ length: 200_000 }, (_, i) => [
            120 + 0.01 * Math.cos(i / 31831),
            30 + 0.01 * Math.sin(i / 31831),
          ]),
          [120.01, 30],
        ],
      ],
    },
  ],
  ['coordinates an object', { type: 'Polygon', coordinates: { 0: [[120, 30]] } }],
];

/** OsmAnd fixes that are wrong, by query, form and the Traccar JSON; `id` is a real device. */
export function osmandCases(id: string, lat: number, lon: number): BadCase[] {
  const cases: BadCase[] = [];
  const base: Record<string, string> = {
    id,
    lat: String(lat),
    lon: String(lon),
    timestamp: String(Math.floor(Date.now() / 1000)),
  };
  const q = (p: Record<string, string>) =>
    Object.entries(p)
      .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
      .join('&');
  const fields = [
    'id',
    'deviceid',
    'lat',
    'lon',
    'location',
    'timestamp',
    'speed',
    'bearing',
    'heading',
    'altitude',
    'accuracy',
    'hdop',
    'batt',
    'valid',
    'extra',
  ];
  for (const field of fields) {
    for (const v of [
      ...HOSTILE_TEXT,
      '1,2,3',
      ',',
      '-',
      '1e308',
      '-1e308',
      '4294967296000',
      '2026-11-22 25:00:00',
      ' 12 ',
    ]) {
      const params = { ...base, [field]: v };
      cases.push({
        input: 'osmand',
        what: `GET ${field}=${v.slice(0, 30)}`,
        port: 'osmand',
        method: 'GET',
        url: `/?${q(params)}`,
        shape: 'osmand',
      });
      cases.push({
        input: 'osmand',
        what: `form ${field}=${v.slice(0, 30)}`,
        port: 'osmand',
        method: 'POST',
        url: '/',
        body: q(params),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        shape: 'osmand',
      });
    }
  }
  for (const missing of Object.keys(base)) {
    const { [missing]: _m, ...rest } = base;
    cases.push({
      input: 'osmand',
      what: `GET without ${missing}`,
      port: 'osmand',
      method: 'GET',
      url: `/?${q(rest)}`,
      shape: 'osmand',
    });
  }
  const json = {
    device_id: id,
    location: {
      timestamp: new Date().toISOString(),
      coords: { latitude: lat, longitude: lon, speed: 1, heading: 1, accuracy: 5, altitude: 1 },
      battery: { level: 0.5 },
      is_moving: true,
    },
  };
  const jsonBodies: [string, unknown][] = [
    ['no device_id', { ...json, device_id: undefined }],
    ['device_id a number', { ...json, device_id: 12 }],
    ['device_id an object', { ...json, device_id: {} }],
    ['no location', { device_id: id }],
    ['location a string', { device_id: id, location: 'here' }],
    ['coords null', { device_id: id, location: { ...json.location, coords: null } }],
    [
      'latitude a string',
      { device_id: id, location: { ...json.location, coords: { ...json.location.coords, latitude: 'north' } } },
    ],
    [
      'latitude 1e308',
      { device_id: id, location: { ...json.location, coords: { ...json.location.coords, latitude: 1e308 } } },
    ],
    ['timestamp garbage', { device_id: id, location: { ...json.location, timestamp: 'soon' } }],
    ['timestamp a number', { device_id: id, location: { ...json.location, timestamp: 1e20 } }],
    ['battery a string', { device_id: id, location: { ...json.location, battery: 'full' } }],
    ['an array', [json, json]],
    ['null', null],
    ['a number', 7],
    ['location an array', { device_id: id, location: [json.location] }],
    ['unknown device', { ...json, device_id: 'nobody-has-this' }],
  ];
  for (const [what, body] of jsonBodies)
    cases.push({
      input: 'osmand',
      what: `JSON ${what}`,
      port: 'osmand',
      method: 'POST',
      url: '/',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
      shape: 'osmand',
    });
  for (const text of ['{', 'null', '', '['.repeat(5000), '\u0000\u0001', 'x'.repeat(70_000)]) {
    cases.push({
      input: 'osmand',
      what: `JSON text ${JSON.stringify(text.slice(0, 10))}`,
      port: 'osmand',
      method: 'POST',
      url: '/',
      body: text,
      headers: { 'content-type': 'application/json' },
      shape: 'osmand',
    });
  }
  for (const method of ['PUT', 'DELETE', 'PATCH'])
    cases.push({ input: 'osmand', what: `${method}`, port: 'osmand', method, url: `/?${q(base)}`, shape: 'osmand' });
  cases.push({
    input: 'osmand',
    what: 'query of %ZZ',
    port: 'osmand',
    method: 'GET',
    url: '/?id=%ZZ&lat=%&lon=%%',
    shape: 'osmand',
  });
  return cases;
}

/** Open311 service requests and queries that are wrong, in JSON and XML. */
export function open311Cases(apiKey: string, lat: number, lon: number): BadCase[] {
  const cases: BadCase[] = [];
  const base: Record<string, string> = {
    api_key: apiKey,
    service_code: 'environment.garbage',
    lat: String(lat),
    long: String(lon),
    description: '垃圾',
  };
  const form = (p: Record<string, string>) =>
    Object.entries(p)
      .map(([k, v]) => `${encodeURIComponent(k)}=${v}`)
      .join('&');
  const fields = [
    'api_key',
    'service_code',
    'lat',
    'long',
    'description',
    'address_string',
    'address_id',
    'email',
    'phone',
    'first_name',
    'last_name',
    'device_id',
    'account_id',
    'media_url',
    'jurisdiction_id',
    'attribute[workers]',
    'attribute[]',
    'attribute',
  ];
  for (const format of ['json', 'xml']) {
    for (const field of fields) {
      for (const v of [...HOSTILE_TEXT, 'javascript:alert(1)', 'ftp://x', 'a@', '1'.repeat(40)]) {
        cases.push({
          input: 'open311',
          what: `POST requests.${format} ${field}=${v.slice(0, 30)}`,
          port: 'api',
          method: 'POST',
          url: `/open311/v2/requests.${format}`,
          body: form({ ...base, [field]: v }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          shape: 'open311',
        });
      }
    }
    for (const [what, type, body] of [
      ['an XML body', 'text/xml', '<service_request><service_code>x</service_code></service_request>'],
      ['JSON', 'application/json', JSON.stringify(base)],
      ['a form in latin1', 'application/x-www-form-urlencoded; charset=latin1', form(base)],
      ['multipart without boundary', 'multipart/form-data', form(base)],
      ['multipart with a wrong boundary', 'multipart/form-data; boundary=zzz', '--yyy\r\n\r\n'],
      [
        'multipart part without name',
        'multipart/form-data; boundary=b',
        '--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n',
      ],
      [
        'multipart header without colon',
        'multipart/form-data; boundary=b',
        '--b\r\nbroken header\r\n\r\nx\r\n--b--\r\n',
      ],
      [
        'multipart photo not a photo',
        'multipart/form-data; boundary=b',
        `--b\r\nContent-Disposition: form-data; name="media"; filename="a.jpg"\r\n\r\nGIF89a\r\n--b--\r\n`,
      ],
      ['nothing', 'application/x-www-form-urlencoded', ''],
      ['a huge form', 'application/x-www-form-urlencoded', `description=${'x'.repeat(200_000)}`],
    ] as const) {
      cases.push({
        input: 'open311',
        what: `POST requests.${format} as ${what}`,
        port: 'api',
        method: 'POST',
        url: `/open311/v2/requests.${format}`,
        body,
        headers: { 'content-type': type },
        shape: 'open311',
      });
    }
    const params = [
      'service_request_id',
      'service_code',
      'start_date',
      'end_date',
      'status',
      'jurisdiction_id',
      'page',
      'page_size',
    ];
    for (const p of params) {
      for (const v of [...HOSTILE_TEXT, '1,2,,3', ',,,', '2026-01-01T00:00:00+25:00']) {
        cases.push({
          input: 'open311',
          what: `GET requests.${format}?${p}=${v.slice(0, 30)}`,
          port: 'api',
          method: 'GET',
          url: `/open311/v2/requests.${format}?${p}=${v}`,
          shape: 'open311',
        });
      }
    }
    for (const path of [
      'services/..%2F..%2Fetc.json',
      `services/${'x'.repeat(3000)}.${format}`,
      'requests/1e999.' + format,
      'requests/-1.' + format,
      `requests/1/media/abc`,
      'requests/1/media/99999999999999999999',
      'services.exe',
      'discovery',
      '%00.json',
    ]) {
      cases.push({
        input: 'open311',
        what: `GET ${path.slice(0, 40)}`,
        port: 'api',
        method: 'GET',
        url: `/open311/v2/${path}`,
        shape: 'open311',
      });
    }
  }
  return cases;
}

/** Photo and video uploads that are not what they say. */
export function uploadCases(url: string, headers: Record<string, string>): BadCase[] {
  const jpegHead = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
  const bodies: [string, string, Buffer | string][] = [
    ['empty jpeg', 'image/jpeg', Buffer.alloc(0)],
    ['text as jpeg', 'image/jpeg', 'hello'],
    ['png bytes as jpeg', 'image/jpeg', Buffer.from('\x89PNG\r\n\x1a\n', 'latin1')],
    ['gif', 'image/gif', 'GIF89a'],
    ['svg', 'image/svg+xml', '<svg onload="alert(1)"/>'],
    ['html', 'text/html', '<script>1</script>'],
    ['no type', '', jpegHead],
    ['type with junk', 'image/jpeg; x=1; ;;', 'x'],
    ['uppercase type, wrong bytes', 'IMAGE/JPEG', 'x'],
    ['mp4 without ftyp', 'video/mp4', Buffer.alloc(32)],
    ['webp without WEBP', 'image/webp', 'RIFF\0\0\0\0WAVE'],
    ['multipart', 'multipart/form-data; boundary=b', '--b\r\n\r\n--b--'],
    ['json', 'application/json', '{"photo":"base64"}'],
    ['octet-stream', 'application/octet-stream', jpegHead],
  ];
  const cases = bodies.map(([what, type, body]): BadCase => ({
    input: 'upload',
    what: `${url.split('/').slice(-3).join('/')} ${what}`,
    port: 'api',
    method: 'POST',
    url,
    body,
    headers: { ...headers, ...(type ? { 'content-type': type } : {}) },
    shape: 'api',
  }));
  return cases;
}
