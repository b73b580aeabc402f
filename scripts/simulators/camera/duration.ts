// xsd:duration handling. ONVIF clients send timeouts like "PT1M", "PT0.5S" or
// "PT2M"; InitialTerminationTime may also be an absolute xsd:dateTime.

const DURATION =
  /^(-)?P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** Milliseconds of an xsd:duration, or undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m || text.trim() === 'P' || text.trim().endsWith('T')) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  // Years and months have no fixed length; 365 and 30 days are close enough for timeouts.
  const seconds = n(2) * 365 * 86400 + n(3) * 30 * 86400 + n(4) * 86400 + n(5) * 3600 + n(6) * 60 + n(7);
  return (m[1] ? -1 : 1) * Math.round(seconds * 1000);
}

/** "PT1M30S"-style duration for replies. */
export function formatDuration(ms: number): string {
  const totalSeconds = ms / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = Math.round((totalSeconds % 60) * 1000) / 1000;
  return `PT${h ? `${h}H` : ''}${m ? `${m}M` : ''}${s || (!h && !m) ? `${s}S` : ''}`;
}

/**
 * A WS-BaseNotification termination time: either relative (duration) or an
 * absolute time in the camera's clock. Returns the absolute camera-clock ms.
 */
export function parseTerminationTime(text: string, cameraNowMs: number): number | undefined {
  const relative = parseDuration(text);
  if (relative !== undefined) return cameraNowMs + relative;
  const absolute = Date.parse(text.trim());
  return Number.isNaN(absolute) ? undefined : absolute;
}
