// The PTZ head of a dome camera: three axes, presets and a home position.
// Speeds are deliberately camera-like (a full pan turn takes seconds), so a
// command room UI that assumes instant moves shows its bugs here too.
import type { MoveStatus, PtzPreset, PtzSnapshot, PtzVector } from '../types.js';
import { PtzAxis } from './ptz-axis.js';

export interface PtzOptions {
  /** 360° endless pan (domes, high-point cameras); otherwise pan stops at ±1. */
  panWraps: boolean;
  /** Units per second at full speed: pan/tilt span 2 units, zoom 1. */
  maxSpeed: PtzVector;
  /** ContinuousMove without Timeout stops after this (the DefaultPTZTimeout). */
  defaultTimeoutMs: number;
  maxPresets: number;
}

export const DEFAULT_PTZ_OPTIONS: PtzOptions = {
  panWraps: true,
  // Full pan range (2 units = 360°) in 10 s, tilt range in 10 s, zoom in 4 s.
  maxSpeed: { pan: 0.2, tilt: 0.2, zoom: 0.25 },
  defaultTimeoutMs: 10_000,
  maxPresets: 255,
};

type Axes = Record<keyof PtzVector, PtzAxis>;
const AXES: readonly (keyof PtzVector)[] = ['pan', 'tilt', 'zoom'];

export class PresetLimitError extends Error {}

export class PtzState {
  private readonly axes: Axes;
  private readonly presets = new Map<string, PtzPreset>();
  private home: PtzVector = { pan: 0, tilt: 0, zoom: 0 };

  constructor(
    readonly options: PtzOptions = DEFAULT_PTZ_OPTIONS,
    private readonly now: () => number = Date.now,
  ) {
    this.axes = {
      pan: new PtzAxis({ min: -1, max: 1, wraps: options.panWraps }, 0, options.maxSpeed.pan),
      tilt: new PtzAxis({ min: -1, max: 1, wraps: false }, 0, options.maxSpeed.tilt),
      zoom: new PtzAxis({ min: 0, max: 1, wraps: false }, 0, options.maxSpeed.zoom),
    };
  }

  position(): PtzVector {
    const t = this.now();
    return { pan: this.axes.pan.at(t).value, tilt: this.axes.tilt.at(t).value, zoom: this.axes.zoom.at(t).value };
  }

  moveStatus(): { panTilt: MoveStatus; zoom: MoveStatus } {
    const t = this.now();
    const moving = (axis: PtzAxis): boolean => axis.at(t).moving;
    return {
      panTilt: moving(this.axes.pan) || moving(this.axes.tilt) ? 'MOVING' : 'IDLE',
      zoom: moving(this.axes.zoom) ? 'MOVING' : 'IDLE',
    };
  }

  /** Axes left out of the velocity keep doing what they were doing. */
  continuousMove(velocity: Partial<PtzVector>, timeoutMs?: number): void {
    const t = this.now();
    const end = t + (timeoutMs ?? this.options.defaultTimeoutMs);
    for (const axis of AXES) {
      const v = velocity[axis];
      if (v !== undefined) this.axes[axis].moveWithVelocity(v, t, end);
    }
  }

  absoluteMove(target: Partial<PtzVector>, speed: Partial<PtzVector> = {}): void {
    const t = this.now();
    for (const axis of AXES) {
      const goal = target[axis];
      if (goal !== undefined) this.axes[axis].moveTo(goal, speed[axis] ?? 1, t);
    }
  }

  relativeMove(delta: Partial<PtzVector>, speed: Partial<PtzVector> = {}): void {
    const t = this.now();
    for (const axis of AXES) {
      const d = delta[axis];
      if (d !== undefined) this.axes[axis].moveBy(d, speed[axis] ?? 1, t);
    }
  }

  stop(panTilt = true, zoom = true): void {
    const t = this.now();
    if (panTilt) {
      this.axes.pan.stop(t);
      this.axes.tilt.stop(t);
    }
    if (zoom) this.axes.zoom.stop(t);
  }

  listPresets(): PtzPreset[] {
    return [...this.presets.values()].map((p) => ({ ...p, position: { ...p.position } }));
  }

  hasPreset(token: string): boolean {
    return this.presets.has(token);
  }

  /** Stores the current position; returns the token (numeric, like Hikvision). */
  setPreset(name: string | undefined, token?: string): string {
    const existing = token === undefined ? undefined : this.presets.get(token);
    const presetToken = existing?.token ?? this.freeToken();
    this.presets.set(presetToken, {
      token: presetToken,
      name: name ?? existing?.name ?? `preset${presetToken}`,
      position: this.position(),
    });
    return presetToken;
  }

  removePreset(token: string): boolean {
    return this.presets.delete(token);
  }

  gotoPreset(token: string, speed?: Partial<PtzVector>): boolean {
    const preset = this.presets.get(token);
    if (!preset) return false;
    this.absoluteMove(preset.position, speed);
    return true;
  }

  setHome(): void {
    this.home = this.position();
  }

  gotoHome(speed?: Partial<PtzVector>): void {
    this.absoluteMove(this.home, speed);
  }

  snapshot(): PtzSnapshot {
    return {
      position: this.position(),
      moveStatus: this.moveStatus(),
      presets: this.listPresets(),
      home: { ...this.home },
    };
  }

  private freeToken(): string {
    for (let i = 1; i <= this.options.maxPresets; i++) {
      if (!this.presets.has(String(i))) return String(i);
    }
    throw new PresetLimitError(`all ${this.options.maxPresets} presets are in use`);
  }
}
