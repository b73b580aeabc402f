// The demo town's cameras: a handful of simulated ONVIF cameras with real RTSP video,
// one of them the rooftop PTZ camera that pans 360° and zooms 30×, registered and
// placed through the API as an installer would (once; later starts find them).
import { SimulatedCamera } from '../simulators/camera/simulated-camera.js';

const API = process.env['API_URL'] ?? `http://127.0.0.1:${process.env['PORT'] ?? 8080}`;
const PASSWORD = 'demo-camera-1';

const DEMO = [
  {
    name: '航埠大楼楼顶高点',
    ptz: true,
    highPosition: true,
    lon: 118.7803,
    lat: 28.9712,
    mountHeightM: 84,
    rangeM: 3000,
    hfovDeg: 60,
    zoomMax: 30,
    headingDeg: 0,
  },
  {
    name: '航埠中学门口',
    ptz: false,
    lon: 118.7765,
    lat: 28.9698,
    mountHeightM: 5,
    rangeM: 80,
    hfovDeg: 90,
    zoomMax: 1,
    headingDeg: 135,
  },
  {
    name: '石华线路口',
    ptz: true,
    lon: 118.7905,
    lat: 28.9448,
    mountHeightM: 8,
    rangeM: 300,
    hfovDeg: 60,
    zoomMax: 20,
    headingDeg: 0,
  },
  {
    name: '农贸市场',
    ptz: false,
    lon: 118.7842,
    lat: 28.9745,
    mountHeightM: 6,
    rangeM: 60,
    hfovDeg: 100,
    zoomMax: 1,
    headingDeg: 270,
  },
];

async function main(): Promise<void> {
  const cameras = await Promise.all(
    DEMO.map((d, i) =>
      SimulatedCamera.start({
        name: d.name,
        ptz: d.ptz,
        highPosition: d.highPosition ?? false,
        username: 'admin',
        password: PASSWORD,
        onvifPort: 8101 + i,
        rtspPort: 8551 + i,
      }),
    ),
  );
  const login = await fetch(`${API}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'installer', password: 'hangbu-demo' }),
  });
  const { token } = (await login.json()) as { token: string };
  for (const [i, cam] of cameras.entries()) {
    const d = DEMO[i]!;
    const res = await fetch(`${API}/api/cameras`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: d.name,
        host: '127.0.0.1',
        port: Number(new URL(cam.xaddr).port),
        username: 'admin',
        password: PASSWORD,
        townCode: '330802101',
        placement: {
          lon: d.lon,
          lat: d.lat,
          mountHeightM: d.mountHeightM,
          rangeM: d.rangeM,
          hfovDeg: d.hfovDeg,
          zoomMax: d.zoomMax,
          headingDeg: d.headingDeg,
          highPosition: d.highPosition ?? false,
        },
      }),
    });
    console.log(
      res.status === 201
        ? `registered ${d.name}`
        : res.status === 409
          ? `${d.name} already registered`
          : `could not register ${d.name}: ${res.status}`,
    );
  }
  console.log(`READY ${cameras.length} cameras`);
  // Now and then someone climbs the school fence at night: an intrusion alarm, which the
  // workers turn into an incident for the nearest gridworker.
  const alarmEveryMs = Number(process.env['DEMO_ALARM_EVERY_S'] ?? 300) * 1000;
  const alarms = setInterval(() => {
    cameras[1]!.emitEvent({ topic: 'intrusion', state: true });
    setTimeout(() => cameras[1]!.emitEvent({ topic: 'intrusion', state: false }), 2000);
  }, alarmEveryMs);
  const stop = async () => {
    clearInterval(alarms);
    await Promise.all(cameras.map((c) => c.stop()));
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
