// The simulated camera's SD card (ONVIF Profile G) with real clients: raw SOAP to its
// recording search and replay services, Debian's ffmpeg playing the replay URI.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { SimulatedCamera } from '../../scripts/simulators/camera/simulated-camera.js';
import { passwordDigest } from '../../scripts/simulators/camera/soap/ws-security.js';
import { firstFrameTimecode, timecodeDiffMs } from '../helpers/timecode.js';

const HOUR = 3_600_000;
const TSE = 'http://www.onvif.org/ver10/search/wsdl';
const TRP = 'http://www.onvif.org/ver10/replay/wsdl';
const TT = 'http://www.onvif.org/ver10/schema';

async function soap(cam: SimulatedCamera, service: string, body: string): Promise<{ status: number; text: string }> {
  const nonce = randomBytes(16).toString('base64');
  const created = new Date(Date.now() + cam.state().clockOffsetMs).toISOString();
  const header =
    '<s:Header><Security xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"><UsernameToken>' +
    `<Username>${cam.username}</Username>` +
    `<Password Type="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest">${passwordDigest(nonce, created, cam.password)}</Password>` +
    `<Nonce>${nonce}</Nonce><Created xmlns="http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd">${created}</Created>` +
    '</UsernameToken></Security></s:Header>';
  const res = await fetch(`http://${cam.host}:${cam.onvifPort}/onvif/${service}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/soap+xml; charset=utf-8' },
    body: `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope">${header}<s:Body>${body}</s:Body></s:Envelope>`,
    signal: AbortSignal.timeout(8000),
  });
  return { status: res.status, text: await res.text() };
}

const all = (text: string, tag: string): string[] =>
  [...text.matchAll(new RegExp(`<[\\w]+:${tag}[^>]*>([^<]*)</[\\w]+:${tag}>`, 'g'))].map((m) => m[1]!);

describe('simulated camera: SD card recordings (ONVIF Profile G search and replay)', function () {
  this.timeout(30_000);
  let cam: SimulatedCamera;
  let plain: SimulatedCamera;

  before(async () => {
    // Its clock 90 s ahead: every time it tells is on that clock.
    cam = await SimulatedCamera.start({ name: '存储卡机位', sdCard: true, clockOffsetMs: 90_000, discovery: false });
    plain = await SimulatedCamera.start({ name: '无卡机位', rtsp: false, discovery: false });
  });
  after(async () => {
    await cam?.stop();
    await plain?.stop();
  });

  it('says it offers Profile G: search and replay services, the Profile/G scope; a camera without a card does not', async () => {
    const services = await soap(
      cam,
      'device_service',
      '<GetServices xmlns="http://www.onvif.org/ver10/device/wsdl"><IncludeCapability>false</IncludeCapability></GetServices>',
    );
    expect(all(services.text, 'Namespace')).to.include.members([TSE, TRP]);
    const scopes = await soap(cam, 'device_service', '<GetScopes xmlns="http://www.onvif.org/ver10/device/wsdl"/>');
    expect(scopes.text).to.include('onvif://www.onvif.org/Profile/G');
    const none = await soap(
      plain,
      'device_service',
      '<GetServices xmlns="http://www.onvif.org/ver10/device/wsdl"><IncludeCapability>false</IncludeCapability></GetServices>',
    );
    expect(all(none.text, 'Namespace')).not.to.include.members([TSE]);
    expect((await soap(plain, 'search_service', `<FindRecordings xmlns="${TSE}"/>`)).status).to.equal(404);
  });

  it('lists its recording, and its history page by page as IsRecording changes', async () => {
    const found = await soap(
      cam,
      'search_service',
      `<FindRecordings xmlns="${TSE}"><Scope/><KeepAliveTime>PT10S</KeepAliveTime></FindRecordings>`,
    );
    const token = all(found.text, 'SearchToken')[0]!;
    const results = await soap(
      cam,
      'search_service',
      `<GetRecordingSearchResults xmlns="${TSE}"><SearchToken>${token}</SearchToken><MaxResults>10</MaxResults></GetRecordingSearchResults>`,
    );
    expect(all(results.text, 'SearchState')).to.deep.equal(['Completed']);
    expect(all(results.text, 'RecordingToken')).to.deep.equal(['RecordingToken_1']);
    expect(all(results.text, 'RecordingStatus')).to.deep.equal(['Recording']);
    const earliest = Date.parse(all(results.text, 'EarliestRecording')[0]!);
    const cameraNow = Date.now() + 90_000;
    // The card's default: 30 min from two hours ago, and the last hour on (camera clock).
    expect(cameraNow - earliest).to.be.closeTo(2 * HOUR, 10_000);

    const events = await soap(
      cam,
      'search_service',
      `<FindEvents xmlns="${TSE}"><StartPoint>${new Date(earliest - HOUR).toISOString()}</StartPoint>` +
        `<EndPoint>${new Date(cameraNow).toISOString()}</EndPoint><Scope/><SearchFilter/>` +
        '<IncludeStartState>true</IncludeStartState><KeepAliveTime>PT10S</KeepAliveTime></FindEvents>',
    );
    const eventsToken = all(events.text, 'SearchToken')[0]!;
    const states: string[] = [];
    const times: number[] = [];
    const pages: string[] = [];
    for (let i = 0; i < 6; i++) {
      const page = await soap(
        cam,
        'search_service',
        `<GetEventSearchResults xmlns="${TSE}"><SearchToken>${eventsToken}</SearchToken><MaxResults>1</MaxResults></GetEventSearchResults>`,
      );
      pages.push(all(page.text, 'SearchState')[0]!);
      times.push(...all(page.text, 'Time').map((t) => Date.parse(t) - earliest));
      states.push(...[...page.text.matchAll(/Name="IsRecording" Value="(\w+)"/g)].map((m) => m[1]!));
      if (pages[pages.length - 1] === 'Completed') break;
    }
    expect(pages).to.deep.equal(['Searching', 'Searching', 'Searching', 'Completed']);
    expect(states).to.deep.equal(['false', 'true', 'false', 'true']);
    expect(times).to.deep.equal([-HOUR, 0, HOUR / 2, HOUR]);
    // A finished search is gone.
    const gone = await soap(
      cam,
      'search_service',
      `<GetEventSearchResults xmlns="${TSE}"><SearchToken>${eventsToken}</SearchToken></GetEventSearchResults>`,
    );
    expect(gone.status).to.equal(400);
    expect(gone.text).to.include('ter:InvalidToken');
  });

  it('replays its recording over RTSP from the instant in the URI, the picture on the recording’s time', async () => {
    const answer = await soap(
      cam,
      'replay_service',
      `<GetReplayUri xmlns="${TRP}"><StreamSetup><Stream xmlns="${TT}">RTP-Unicast</Stream>` +
        `<Transport xmlns="${TT}"><Protocol>RTSP</Protocol></Transport></StreamSetup><RecordingToken>RecordingToken_1</RecordingToken></GetReplayUri>`,
    );
    const uri = all(answer.text, 'Uri')[0]!;
    expect(uri).to.equal(`rtsp://127.0.0.1:${cam.rtspPort}/replay/RecordingToken_1`);
    const at = Date.now() + 90_000 - 100 * 60_000; // 100 minutes ago, camera clock
    const starttime = new Date(at)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}Z$/, 'Z');
    const url = new URL(uri);
    url.username = cam.username;
    url.password = cam.password;
    url.searchParams.set('starttime', starttime);
    const stamp = await firstFrameTimecode(url.toString(), ['-rtsp_transport', 'tcp']);
    expect(stamp, 'a readable timecode').to.not.equal(null);
    expect(Math.abs(timecodeDiffMs(stamp!, Math.floor(at / 1000) * 1000))).to.be.lessThan(2000);
    const wrong = await soap(
      cam,
      'replay_service',
      `<GetReplayUri xmlns="${TRP}"><StreamSetup/><RecordingToken>nope</RecordingToken></GetReplayUri>`,
    );
    expect(wrong.status).to.equal(400);
    expect(wrong.text).to.include('ter:NoRecording');
  });
});
