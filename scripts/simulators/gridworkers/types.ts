// Shared shapes: the roster (who walks where), the GeoJSON subset we read, and one GPS fix.

export type LonLat = [number, number] | number[];

export interface PolygonGeometry {
  type: 'Polygon';
  coordinates: LonLat[][];
}
export interface MultiPolygonGeometry {
  type: 'MultiPolygon';
  coordinates: LonLat[][][];
}
export type GridGeometry = PolygonGeometry | MultiPolygonGeometry;

export interface LineStringGeometry {
  type: 'LineString';
  coordinates: LonLat[];
}
export interface MultiLineStringGeometry {
  type: 'MultiLineString';
  coordinates: LonLat[][];
}

/** Any GeoJSON FeatureCollection; features we do not understand are ignored. */
export interface FeatureCollectionLike {
  type: 'FeatureCollection';
  features: {
    type: 'Feature';
    properties?: Record<string, unknown> | null;
    geometry: { type: string; coordinates?: unknown } | null;
  }[];
}

/** One phone: the gridworker carrying it and the grid they patrol (WGS-84). */
export interface RosterEntry {
  deviceId: string;
  personName: string;
  gridCode: string;
  polygon: GridGeometry;
}

export type Mode = 'foot' | 'ebike';
export type Protocol = 'osmand' | 'json';
export type Activity = 'walking' | 'on_bicycle' | 'still';

/**
 * One position as the phone stores it in its offline buffer, plus the truth it
 * came from (`simTime`, `trueLon`, `trueLat`) so tests can measure the errors.
 */
export interface Fix {
  /** The id sent (differs from the roster's when an "unregistered id" fault is on). */
  deviceId: string;
  /** The phone's timestamp, epoch ms: true time + the phone's clock error (+ garbage faults). */
  time: number;
  /** The true (simulated) time of the fix, epoch ms. */
  simTime: number;
  lon: number;
  lat: number;
  /** Metres, Android's meaning: radius of 68 % confidence. */
  accuracy: number;
  /** m/s (converted to knots for the OsmAnd GET form). */
  speed: number;
  /** Degrees clockwise from north, 0–360. */
  heading: number;
  altitude: number;
  /** Percent, 0–100. */
  battery: number;
  moving: boolean;
  /** The motion state changed since the previous fix (Traccar Client's `motionchange` event). */
  motionChange: boolean;
  activity: Activity;
  /** Metres walked since the simulation started. */
  odometer: number;
  trueLon: number;
  trueLat: number;
  /** A deliberately bad fix (50–200 m accuracy). */
  bad: boolean;
  /** Failed deliveries so far. */
  attempts: number;
}
