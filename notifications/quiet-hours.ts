// Quiet hours (免打扰): messages that can wait are held until morning, in the town's time.

export interface QuietHours {
  /** Hour the quiet starts and ends, town time (22 and 7: 22:00–07:00). */
  from: number;
  to: number;
  utcOffsetHours: number;
}

/** "22-7" → 22:00–07:00; "" or "off" → never quiet. */
export function parseQuietHours(text: string, utcOffsetHours: number): QuietHours | null {
  if (text === '' || text === 'off') return null;
  const m = /^(\d{1,2})-(\d{1,2})$/.exec(text);
  if (!m || Number(m[1]) > 23 || Number(m[2]) > 23)
    throw new Error(`NOTIFY_QUIET_HOURS: "${text}" is not hours like "22-7" (or "off")`);
  return { from: Number(m[1]), to: Number(m[2]), utcOffsetHours };
}

/** When a message that can wait may go out: `now` itself, or the end of the quiet hours. */
export function notBeforeQuietEnd(now: Date, quiet: QuietHours | null): Date {
  if (!quiet || quiet.from === quiet.to) return now;
  const offsetMs = quiet.utcOffsetHours * 3_600_000;
  const local = new Date(now.getTime() + offsetMs);
  const hour = local.getUTCHours() + local.getUTCMinutes() / 60;
  const inside = quiet.from < quiet.to ? hour >= quiet.from && hour < quiet.to : hour >= quiet.from || hour < quiet.to;
  if (!inside) return now;
  const end = new Date(local);
  end.setUTCHours(quiet.to, 0, 0, 0);
  if (end.getTime() <= local.getTime()) end.setUTCDate(end.getUTCDate() + 1);
  return new Date(end.getTime() - offsetMs);
}
