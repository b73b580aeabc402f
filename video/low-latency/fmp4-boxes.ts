// Just enough ISO-BMFF reading for a live fragmented-MP4 fan-out: split ffmpeg's output
// into top-level boxes, tell a fragment that starts with a keyframe, and read the codec
// string (avc1.PPCCLL) the browser's MediaSource needs from the init segment.

export interface Box {
  type: string;
  bytes: Buffer;
}

/** Accumulates bytes and yields complete top-level boxes. */
export class BoxSplitter {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Box[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const boxes: Box[] = [];
    let offset = 0;
    while (this.pending.length - offset >= 8) {
      let size = this.pending.readUInt32BE(offset);
      const type = this.pending.toString('latin1', offset + 4, offset + 8);
      if (size === 1) {
        if (this.pending.length - offset < 16) break;
        size = Number(this.pending.readBigUInt64BE(offset + 8));
      }
      if (size < 8) throw new Error(`broken MP4 box "${type}" of size ${size}`);
      if (this.pending.length - offset < size) break;
      boxes.push({ type, bytes: this.pending.subarray(offset, offset + size) });
      offset += size;
    }
    this.pending = this.pending.subarray(offset);
    return boxes;
  }
}

/** Child boxes of a container box's payload. */
function children(payload: Buffer): Box[] {
  const out: Box[] = [];
  let offset = 0;
  while (payload.length - offset >= 8) {
    const size = payload.readUInt32BE(offset);
    if (size < 8 || offset + size > payload.length) break;
    out.push({
      type: payload.toString('latin1', offset + 4, offset + 8),
      bytes: payload.subarray(offset, offset + size),
    });
    offset += size;
  }
  return out;
}

const NON_SYNC = 0x10000;

/**
 * Whether a moof's first sample is a sync sample (keyframe): trun's first-sample flags,
 * else its per-sample flags, else tfhd's default flags.
 */
export function startsWithKeyframe(moof: Buffer): boolean {
  for (const traf of children(moof.subarray(8)).filter((b) => b.type === 'traf')) {
    let defaultFlags: number | undefined;
    for (const box of children(traf.bytes.subarray(8))) {
      const flags = box.bytes.readUInt32BE(8) & 0xffffff;
      if (box.type === 'tfhd') {
        let p = 16; // size, type, version+flags, track id
        if (flags & 0x1) p += 8;
        if (flags & 0x2) p += 4;
        if (flags & 0x8) p += 4;
        if (flags & 0x10) p += 4;
        if (flags & 0x20) defaultFlags = box.bytes.readUInt32BE(p);
      } else if (box.type === 'trun') {
        let p = 16; // size, type, version+flags, sample count
        if (flags & 0x1) p += 4;
        if (flags & 0x4) return (box.bytes.readUInt32BE(p) & NON_SYNC) === 0;
        if (flags & 0x400) {
          if (flags & 0x100) p += 4;
          if (flags & 0x200) p += 4;
          return (box.bytes.readUInt32BE(p) & NON_SYNC) === 0;
        }
        return defaultFlags === undefined ? true : (defaultFlags & NON_SYNC) === 0;
      }
    }
  }
  return false;
}

/** "avc1.42c01e" from the avcC in a moov, or null (H.265 and others: not offered here). */
export function codecOf(moov: Buffer): string | null {
  const at = moov.indexOf('avcC', 0, 'latin1');
  if (at < 0 || at + 8 > moov.length) return null;
  const hex = (n: number) => n.toString(16).padStart(2, '0');
  return `avc1.${hex(moov[at + 5]!)}${hex(moov[at + 6]!)}${hex(moov[at + 7]!)}`;
}
