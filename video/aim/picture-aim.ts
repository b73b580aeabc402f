// Aiming by the picture (3D positioning / 区域放大): a click or a dragged box in the
// picture, in picture fractions (0..1 from the top-left), turned into the PTZ position
// that centres it, from the camera's field of view at its current zoom. Pan −1..1 is
// −180..180° and tilt −1..1 is −90..90° (up positive), as in look-at.ts.
export interface PictureTarget {
  /** Centre of the click or box, 0..1 across and down the picture. */
  x: number;
  y: number;
  /** Box size as fractions of the picture; absent for a click (zoom unchanged). */
  w?: number;
  h?: number;
}

export interface Optics {
  /** Horizontal field of view at the widest zoom, degrees. */
  hfovDeg: number;
  /** Optical zoom at the top of the zoom range (30 for a 30× camera). */
  zoomMax: number;
  /** Picture height / width. */
  aspect: number;
  zoomRange: [number, number];
  panRange: [number, number];
  tiltRange: [number, number];
}

export interface PtzPosition {
  x: number;
  y: number;
  zoom: number;
}

const PAN_DEG_PER_UNIT = 180;
const TILT_DEG_PER_UNIT = 90;
const rad = (deg: number) => (deg * Math.PI) / 180;
const deg = (r: number) => (r * 180) / Math.PI;
const clamp = (v: number, [lo, hi]: [number, number]) => Math.min(hi, Math.max(lo, v));

/** Magnification (1..zoomMax) at a zoom position. */
export function magnification(zoom: number, o: Optics): number {
  const [lo, hi] = o.zoomRange;
  const f = hi > lo ? (clamp(zoom, o.zoomRange) - lo) / (hi - lo) : 0;
  return 1 + f * (o.zoomMax - 1);
}

function zoomFor(mag: number, o: Optics): number {
  const [lo, hi] = o.zoomRange;
  const f = o.zoomMax > 1 ? (clamp(mag, [1, o.zoomMax]) - 1) / (o.zoomMax - 1) : 0;
  return lo + f * (hi - lo);
}

/** Pan wraps round (a dome turns endlessly); tilt and zoom are clamped to their ranges. */
function wrapPan(x: number, range: [number, number]): number {
  if (range[0] <= -1 && range[1] >= 1) return ((((x + 1) % 2) + 2) % 2) - 1;
  return clamp(x, range);
}

export function aimByPicture(current: PtzPosition, target: PictureTarget, o: Optics): PtzPosition {
  const mag = magnification(current.zoom, o);
  // Half-angle tangents shrink with magnification (a zoom lens narrows the view).
  const tanH = Math.tan(rad(o.hfovDeg / 2)) / mag;
  const tanV = tanH * o.aspect;
  const panDeg = deg(Math.atan((target.x - 0.5) * 2 * tanH));
  const tiltDeg = deg(Math.atan((0.5 - target.y) * 2 * tanV));
  let zoom = current.zoom;
  if (target.w !== undefined && target.h !== undefined) {
    // The box fills the picture: the larger of its two sides decides.
    const fill = Math.max(target.w, target.h, 0.01);
    zoom = zoomFor(mag / fill, o);
  }
  return {
    x: wrapPan(current.x + panDeg / PAN_DEG_PER_UNIT, o.panRange),
    y: clamp(current.y + tiltDeg / TILT_DEG_PER_UNIT, o.tiltRange),
    zoom: clamp(zoom, o.zoomRange),
  };
}
