// What a PTZ head can do, from its PTZ node (supported spaces, presets, home)
// and the profile's PTZ configuration (limits the installer may have narrowed).
import { at, bool, list, num, obj, str } from './read.js';

export interface PtzRange {
  min: number;
  max: number;
}

export interface PtzCapabilities {
  /** Absolute pan range (ONVIF generic space: usually -1…1); null without pan/tilt. */
  panRange: PtzRange | null;
  tiltRange: PtzRange | null;
  /** Absolute zoom range (usually 0…1); null without an optical zoom. */
  zoomRange: PtzRange | null;
  continuous: boolean;
  absolute: boolean;
  relative: boolean;
  home: boolean;
  presetsSupported: boolean;
  /** Most presets the camera keeps; null when it does not say. */
  maxPresets: number | null;
}

/** One space of a kind; with several (generic and vendor/degree spaces) the generic one is what the driver sends. */
function space(spaces: unknown, key: string): unknown {
  const all = list(obj(spaces)?.[key]);
  return all.find((s) => /Generic/i.test(str(at(s, 'URI')) ?? '')) ?? all[0];
}

function range(value: unknown): PtzRange | null {
  const min = num(at(value, 'min'));
  const max = num(at(value, 'max'));
  return min === undefined || max === undefined ? null : { min, max };
}

/**
 * @param node a PTZ node of GetNodes (may be undefined when the camera does not answer it)
 * @param configuration the profile's PTZConfiguration
 */
export function readPtzCapabilities(node: unknown, configuration: unknown): PtzCapabilities {
  const spaces = at(node, 'supportedPTZSpaces');
  const absPanTilt = space(spaces, 'absolutePanTiltPositionSpace');
  const absZoom = space(spaces, 'absoluteZoomPositionSpace');
  const limitsPanTilt = at(configuration, 'panTiltLimits', 'range');
  const limitsZoom = at(configuration, 'zoomLimits', 'range');
  const has = (key: string): boolean => space(spaces, key) !== undefined;
  const defaultSpace = (key: string): boolean => str(at(configuration, key)) !== undefined;
  const maxPresets = num(at(node, 'maximumNumberOfPresets'));

  // Without a node answer, the configuration's default spaces say which moves exist.
  const known = node !== undefined;
  return {
    panRange: range(at(limitsPanTilt, 'XRange')) ?? range(at(absPanTilt, 'XRange')),
    tiltRange: range(at(limitsPanTilt, 'YRange')) ?? range(at(absPanTilt, 'YRange')),
    zoomRange: range(at(limitsZoom, 'XRange')) ?? range(at(absZoom, 'XRange')),
    continuous: known
      ? has('continuousPanTiltVelocitySpace') || has('continuousZoomVelocitySpace')
      : defaultSpace('defaultContinuousPanTiltVelocitySpace') || defaultSpace('defaultContinuousZoomVelocitySpace'),
    absolute: known
      ? absPanTilt !== undefined || absZoom !== undefined
      : defaultSpace('defaultAbsolutePantTiltPositionSpace') || defaultSpace('defaultAbsoluteZoomPositionSpace'),
    relative: known
      ? has('relativePanTiltTranslationSpace') || has('relativeZoomTranslationSpace')
      : defaultSpace('defaultRelativePanTiltTranslationSpace') || defaultSpace('defaultRelativeZoomTranslationSpace'),
    home: bool(at(node, 'homeSupported')) ?? false,
    presetsSupported: maxPresets === undefined ? known : maxPresets > 0,
    maxPresets: maxPresets ?? null,
  };
}
