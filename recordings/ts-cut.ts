// Where to cut an MPEG-TS segment so that it ends at a given time: the byte offset of the
// first packet that starts a frame decoded at or after it. Frames are cut in decode order
// (DTS), so every frame kept has the frames it refers to. Pure, for the exports.

const PACKET = 188;
const SYNC = 0x47;
const WRAP = 2 ** 33;

/** The 33-bit timestamp at `at` of a PES header (5 bytes, marker bits between). */
function timestamp(b: Buffer, at: number): number {
  return (
    ((b[at]! >> 1) & 0x07) * 2 ** 30 +
    (b[at + 1]! << 22) +
    ((b[at + 2]! >> 1) << 15) +
    (b[at + 3]! << 7) +
    (b[at + 4]! >> 1)
  );
}

/** DTS (or PTS when there is no DTS) of the PES starting in this packet, in 90 kHz ticks; null if none. */
function decodeTime(ts: Buffer, packet: number): number | null {
  const b1 = ts[packet + 1]!;
  if (!(b1 & 0x40)) return null; // not the start of a PES
  const control = (ts[packet + 3]! >> 4) & 0x03;
  let p = packet + 4;
  if (control === 2 || control === 0) return null; // no payload
  if (control === 3) p += 1 + ts[p]!; // adaptation field
  if (p + 19 > packet + PACKET) return null;
  if (ts[p] !== 0 || ts[p + 1] !== 0 || ts[p + 2] !== 1) return null;
  const streamId = ts[p + 3]!;
  if (streamId < 0xc0 || streamId > 0xef) return null; // audio or video PES only
  const flags = ts[p + 7]! >> 6;
  if (flags === 3) return timestamp(ts, p + 14); // DTS follows PTS
  if (flags === 2) return timestamp(ts, p + 9);
  return null;
}

/**
 * The byte offset at which to end this segment so that it holds `seconds` of it (from its
 * first frame), or null when the whole segment is wanted. Always a packet boundary.
 */
export function cutAtSeconds(ts: Buffer, seconds: number): number | null {
  let first: number | null = null;
  const limit = Math.round(seconds * 90_000);
  for (let at = 0; at + PACKET <= ts.length; at += PACKET) {
    if (ts[at] !== SYNC) return null; // not plain 188-byte MPEG-TS: keep it whole
    const t = decodeTime(ts, at);
    if (t === null) continue;
    if (first === null) first = t;
    else if ((t - first + WRAP) % WRAP >= limit) return at;
  }
  return null;
}
