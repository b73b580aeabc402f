// The one shape every domain (gis, people, positions, video, incidents, accounts, …)
// gives the processes that compose it. A domain's `module.ts` exports one function that
// builds the domain from the platform and from other domains' public services, and
// returns this. `server/` and `workers/` only list modules; they never reach inside one.
import type { Router } from 'express';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from './config.js';
import type { Db } from './db/pool.js';
import type { LiveBus } from './live/live-bus.js';
import type { MediaStore } from './media-store.js';
import type { AnyRoute } from './http/route.js';

/** What the platform hands every domain: connections and shared facilities, nothing of another domain. */
export interface Platform {
  config: Config;
  db: Db;
  /** The process's command connection (not for subscribing). */
  redis: Redis;
  live: LiveBus;
  media: MediaStore;
  /** A URL this instance can be reached at by its peers (relays proxy to their owner). */
  baseUrl: string;
}

/** A background loop a process runs while it lives (queue workers, leader-only sweeps, recorders). */
export interface Running {
  stop(): Promise<void>;
}

export interface Gauge {
  name: string;
  help: string;
  read(): number;
}

export interface DomainModule<S> {
  name: string;
  /** The domain's public face: the only thing other domains may use. */
  services: S;
  /** JSON routes, mounted by the api process. */
  routes?: AnyRoute[];
  /** Routers that are not JSON routes (Open311's XML and form bodies). */
  routers?: Router[];
  /** Topics this domain publishes on the live bus (`/api/live?topics=`). */
  liveTopics?: string[];
  /** Queues this domain owns, for the metrics of queue depth. */
  queues?: Queue[];
  /** Prometheus gauges this domain reports (read at each scrape). */
  gauges?: Gauge[];
  /**
   * Api process: after every module is built, follow subscriptions, warm caches.
   * `subscriber` is a Redis connection in subscriber mode shared by the process.
   */
  start?(subscriber: Redis): Promise<void>;
  /** Workers process: queue processors and periodic work; `leading()` is true on one process only. */
  work?(leading: () => Promise<boolean>): Promise<Running>;
  /** Undo start(): close queues, timers, connections the module opened. */
  stop?(): Promise<void>;
}
