// What an installer reads when a camera cannot be registered: one sentence in
// Chinese first, then English, naming the step that failed and the likely
// cause with what to do. Built from the error's kind and step only, never from
// an exception's text (a library's TypeError means nothing on a ladder).
import type { OnvifError } from './errors.js';

const STEP_ZH: Record<string, string> = {
  clock: '读取摄像机时钟',
  services: '读取服务列表',
  identity: '读取设备信息',
  profiles: '读取媒体配置',
  streams: '读取视频流地址',
  ptz: '读取云台信息',
  snapshot: '读取抓图地址',
};

const STEP_EN: Record<string, string> = {
  clock: 'reading the camera clock',
  services: 'reading its services',
  identity: 'reading its identity',
  profiles: 'reading its media profiles',
  streams: 'reading its stream addresses',
  ptz: 'reading its PTZ head',
  snapshot: 'reading its snapshot address',
};

export interface InstallerMessageContext {
  /** host:port the installer typed. */
  address: string;
  timeoutMs: number;
}

export function installerMessage(err: OnvifError, ctx: InstallerMessageContext): string {
  const step = err.step ?? 'clock';
  const zhStep = STEP_ZH[step] ?? step;
  const enStep = STEP_EN[step] ?? step;
  const seconds = Math.round(ctx.timeoutMs / 100) / 10;
  const fault = err.faultCodes.length ? `（${err.faultCodes.join(' / ')}）` : '';
  switch (err.kind) {
    case 'auth_failed':
      return (
        `登录被拒绝（${zhStep}）：用户名或密码不对。请核对摄像机的 ONVIF 用户（很多摄像机的 ONVIF 用户与网页登录用户分开设置），并确认该用户未被锁定。` +
        ` — Login refused while ${enStep}: wrong username or password. Check the camera's ONVIF user (often separate from its web login) and that it is not locked.`
      );
    case 'unreachable':
      return (
        `无法连接 ${ctx.address}：该端口没有服务应答（连接被拒绝或不可达）。请确认 IP 和 ONVIF 端口（常见为 80、8000、8080、8899）正确、摄像机已通电并与服务器网络相通。` +
        ` — Cannot connect to ${ctx.address}: nothing answers on that port. Check the IP and the ONVIF port (often 80, 8000, 8080 or 8899), that the camera is powered and reachable.`
      );
    case 'timeout':
      return step === 'clock'
        ? `摄像机在 ${seconds} 秒内没有应答（${zhStep}）。请确认 IP 和端口正确、摄像机在线，且中间没有防火墙拦截。` +
            ` — The camera did not answer within ${seconds} s (${enStep}). Check the address and port, that it is online and no firewall drops the traffic.`
        : `摄像机应答了前面的步骤，但在“${zhStep}”时 ${seconds} 秒内没有回应：设备可能正忙（连接数已满）或网络很慢，请稍后重试。` +
            ` — The camera answered earlier steps but not ${enStep} within ${seconds} s: it may be busy (too many clients) or the link slow; try again later.`;
    case 'busy':
      return (
        `摄像机正忙（${zhStep}）：连接数已满或正在启动。请关闭其他正在连接该摄像机的软件（录像机、手机客户端）后，稍等一分钟再试。` +
        ` — The camera is busy (${enStep}): too many clients, or it is starting up. Close other software connected to it (an NVR, a phone app) and try again in a minute.`
      );
    case 'not_onvif':
      return (
        `地址 ${ctx.address} 有服务应答，但不是 ONVIF 接口（${zhStep}）。请在摄像机设置中开启 ONVIF（“平台接入”或“集成协议”），或改用摄像机的 ONVIF 端口。` +
        ` — ${ctx.address} answers, but not as ONVIF (${enStep}). Enable ONVIF in the camera's settings ("platform access" / "integration protocol") or use its ONVIF port.`
      );
    case 'no_rtsp':
      return (
        `摄像机没有提供 RTSP 视频流地址（${zhStep}${fault}）。请在摄像机网页中开启 RTSP 服务并启用至少一个码流；仍不行时请升级固件，或换用支持 ONVIF Profile S / T 的型号。` +
        ` — The camera offers no RTSP stream address (${enStep}). Enable RTSP and at least one stream in its web page; if that does not help, update its firmware or use a model with ONVIF Profile S / T.`
      );
    case 'unsupported':
      return (
        `摄像机不支持所需的 ONVIF 操作（${zhStep}${fault}）。请升级固件，或在摄像机设置中开启完整的 ONVIF 功能。` +
        ` — The camera does not support a needed ONVIF operation (${enStep}). Update its firmware or enable full ONVIF in its settings.`
      );
    case 'camera_fault':
    default:
      return (
        `摄像机在“${zhStep}”时返回了错误或无法识别的应答${fault}。请重启摄像机后重试；仍不行时请升级固件。` +
        ` — The camera answered ${enStep} with an error or an answer we cannot read. Restart it and try again; if it persists, update its firmware.`
      );
  }
}
