// The camera's own clock. Real cameras in town deployments are often years off
// (no NTP, flat RTC battery); ONVIF clients must read GetSystemDateAndTime and
// compensate before WS-Security timestamps are accepted.

export class CameraClock {
  constructor(
    /** How far the camera clock is ahead of real time (negative: behind). */
    public offsetMs: number,
    /** Local time zone offset, east positive; 480 = China Standard Time. */
    readonly utcOffsetMinutes = 480,
  ) {}

  nowMs(): number {
    return Date.now() + this.offsetMs;
  }

  /** POSIX TZ string as cameras report it, e.g. "CST-8:00:00" for UTC+8. */
  posixTz(): string {
    const total = Math.abs(this.utcOffsetMinutes);
    const sign = this.utcOffsetMinutes >= 0 ? '-' : '+'; // POSIX inverts the sign
    const hh = Math.floor(total / 60);
    const mm = String(total % 60).padStart(2, '0');
    return `CST${sign}${hh}:${mm}:00`;
  }
}

/** xsd:dateTime in UTC without milliseconds, as cameras send it. */
export function xsdDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
