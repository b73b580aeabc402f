// The video wall's browser tests start alike: the api serving the web app, chromium, a
// simulated PTZ camera with real RTSP video registered (and checked) in the tiny town
// with a placement, and an operator logged in on the wall (#/video).
import { expect } from 'chai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { TestApi } from './api.js';
import { tinyTownWithPeople } from './roster.js';
import { TOWN } from './tiny-town.js';
import { SimulatedCamera, type SimulatedCameraOptions } from '../../scripts/simulators/camera/simulated-camera.js';
import { createAccount, echoPageErrors, launchBrowser, loginThroughForm, startWebApi } from '../browser/browser.js';

export interface CameraWallOptions {
  /** Names the test database and Redis prefix. */
  label: string;
  env?: Record<string, string>;
  /** The camera's name, on the device and in the server. */
  name: string;
  password: string;
  /** Where the camera looks, degrees from north. */
  headingDeg: number;
  ptzOptions?: SimulatedCameraOptions['ptzOptions'];
  /** Runs in the page before the app (e.g. a localStorage switch). */
  initScript?: () => void;
}

export interface CameraWall {
  t: TestApi;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  cam: SimulatedCamera;
  cameraId: number;
  townId: number;
  /** Ends the browser, the api and the camera (each only when it started). */
  close(): Promise<void>;
}

export async function startCameraWall(o: CameraWallOptions): Promise<CameraWall> {
  const [t, browser, cam] = await Promise.all([
    startWebApi(o.label, o.env),
    launchBrowser(),
    SimulatedCamera.start({
      name: o.name,
      ptz: true,
      username: 'admin',
      password: o.password,
      onvifPort: 0,
      rtspPort: 0,
      discovery: false,
      ...(o.ptzOptions ? { ptzOptions: o.ptzOptions } : {}),
    }),
  ]);
  const close = async () => {
    await browser?.close();
    await t?.close();
    await cam?.stop();
  };
  try {
    const town = await tinyTownWithPeople(t, 1);
    const res = await t.admin.post('/api/cameras', {
      name: o.name,
      host: '127.0.0.1',
      port: Number(new URL(cam.xaddr).port),
      username: 'admin',
      password: o.password,
      townCode: TOWN,
      placement: {
        lon: 120.005,
        lat: 30.005,
        headingDeg: o.headingDeg,
        hfovDeg: 60,
        rangeM: 3000,
        highPosition: true,
        mountHeightM: 30,
      },
    });
    expect(res.status, JSON.stringify(res.body)).to.equal(201);
    const cameraId = res.body.id as number;
    await t.admin.post(`/api/cameras/${cameraId}/check`);
    const operator = await createAccount(t, ['operator'], [town.townId]);
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (o.initScript) await context.addInitScript(o.initScript);
    const page = await context.newPage();
    echoPageErrors(page);
    await loginThroughForm(page, t.api.url, operator, '#/video');
    return { t, browser, context, page, cam, cameraId, townId: town.townId, close };
  } catch (err) {
    await close();
    throw err;
  }
}
