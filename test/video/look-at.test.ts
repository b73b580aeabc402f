import { expect } from 'chai';
import { aimAt, visibility, type Placement } from '../../video/look-at.js';

const ROOF: Placement = {
  lon: 118.78,
  lat: 28.97,
  mountHeightM: 84,
  headingDeg: 0,
  hfovDeg: 60,
  rangeM: 3000,
  zoomMax: 30,
  panOffsetDeg: 0,
  tiltOffsetDeg: 0,
};
const RANGES = {
  pan: [-1, 1] as [number, number],
  tilt: [-1, 1] as [number, number],
  zoom: [0, 1] as [number, number],
};
// About 1 km east and 1 km north of the roof.
const EAST_1KM = { lon: 118.78 + 1000 / (111_320 * Math.cos((28.97 * Math.PI) / 180)), lat: 28.97 };
const NORTH_1KM = { lon: 118.78, lat: 28.97 + 1000 / 110_574 };

describe('aiming a PTZ camera at a map point', () => {
  it('pans to the bearing, tilts down by height over distance and zooms in with distance', () => {
    const aim = aimAt(ROOF, EAST_1KM, RANGES);
    expect(aim.bearingDeg).to.be.closeTo(90, 0.2);
    expect(aim.x).to.be.closeTo(0.5, 0.002);
    expect(aim.distanceM).to.be.closeTo(1000, 3);
    // atan(84 / 1000) ≈ 4.8° down.
    expect(aim.tiltDeg).to.be.closeTo(4.8, 0.05);
    expect(aim.y).to.be.closeTo(-4.8 / 90, 0.001);
    // 25 m across at 1 km needs ~1.43° of view: 60° / 1.43° is beyond 30×, so full zoom.
    expect(aim.zoom).to.equal(1);
  });

  it('uses the calibration: a camera whose pan zero points east', () => {
    const aim = aimAt({ ...ROOF, panOffsetDeg: 90 }, NORTH_1KM, RANGES);
    expect(aim.x).to.be.closeTo(-0.5, 0.002);
  });

  it('zooms less for a near point', () => {
    const near = { lon: 118.78, lat: 28.97 + 40 / 110_574 };
    const aim = aimAt({ ...ROOF, mountHeightM: 6 }, near, RANGES);
    expect(aim.zoomFactor).to.be.within(1, 2.5);
    expect(aim.y).to.be.lessThan(-0.09);
  });

  it('says which cameras see a point and which can be turned to it', () => {
    expect(visibility(ROOF, true, NORTH_1KM).visibility).to.equal('in_view');
    expect(visibility(ROOF, true, EAST_1KM).visibility).to.equal('reachable_by_ptz');
    expect(visibility(ROOF, false, EAST_1KM).visibility).to.equal('out_of_view');
    expect(visibility({ ...ROOF, rangeM: 500 }, true, EAST_1KM).visibility).to.equal('out_of_range');
  });
});
