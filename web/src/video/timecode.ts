// Reads the simulated camera's burnt-in timecode (scripts/simulators/camera/rtsp-server.py)
// from a playing <video>: two rows of 24 black/white cells at the top of the picture, the
// camera's wall clock in ms mod 2^32 with an XOR checksum. Glass-to-glass latency is then
// our clock at the frame's presentation minus the camera's clock at its capture (same host).
export const TIMECODE_COLUMNS = 24;
const CELLS = 2 * TIMECODE_COLUMNS;

/** The cells (1 = white) → the camera's ms mod 2^32, or null when markers or checksum do not match. */
export function decodeTimecodeCells(bits: readonly number[]): number | null {
  if (bits.length < 42 || bits[0] !== 1 || bits[1] !== 0) return null;
  let value = 0;
  for (let i = 0; i < 32; i++) value = value * 2 + (bits[2 + i] ? 1 : 0);
  let check = 0;
  for (let i = 0; i < 8; i++) check = check * 2 + (bits[34 + i] ? 1 : 0);
  const xor = ((value >>> 24) ^ (value >>> 16) ^ (value >>> 8) ^ value) & 0xff;
  return xor === check ? value : null;
}

/** ms between the camera's stamp and `nowMs`, modulo 2^32 (the stamp wraps every ~49 days). */
export function latencyMs(stamp: number, nowMs: number): number {
  const diff = (nowMs % 2 ** 32) - stamp;
  return diff < -(2 ** 31) ? diff + 2 ** 32 : diff;
}

/** Samples the top strip of a video through a small canvas; one reader per video. */
export class TimecodeReader {
  private readonly canvas = document.createElement('canvas');
  private readonly ctx: CanvasRenderingContext2D;

  constructor(private readonly video: HTMLVideoElement) {
    this.ctx = this.canvas.getContext('2d', { willReadFrequently: true })!;
  }

  /** The stamp of the frame shown now, or null (no timecode, or not readable). */
  read(): number | null {
    const width = this.video.videoWidth;
    if (!width) return null;
    const cell = Math.floor(width / TIMECODE_COLUMNS);
    if (cell < 4) return null;
    const stripWidth = cell * TIMECODE_COLUMNS;
    const stripHeight = cell * 2;
    if (this.canvas.width !== stripWidth || this.canvas.height !== stripHeight) {
      this.canvas.width = stripWidth;
      this.canvas.height = stripHeight;
    }
    this.ctx.drawImage(this.video, 0, 0, stripWidth, stripHeight, 0, 0, stripWidth, stripHeight);
    const pixels = this.ctx.getImageData(0, 0, stripWidth, stripHeight).data;
    const bits: number[] = [];
    for (let i = 0; i < CELLS; i++) {
      const row = Math.floor(i / TIMECODE_COLUMNS);
      const col = i % TIMECODE_COLUMNS;
      // The middle third of the cell: edges blur in the encoder.
      let sum = 0;
      let n = 0;
      for (let y = row * cell + Math.floor(cell / 3); y < row * cell + Math.ceil((2 * cell) / 3); y++) {
        for (let x = col * cell + Math.floor(cell / 3); x < col * cell + Math.ceil((2 * cell) / 3); x++) {
          const p = (y * stripWidth + x) * 4;
          sum += 0.299 * pixels[p]! + 0.587 * pixels[p + 1]! + 0.114 * pixels[p + 2]!;
          n++;
        }
      }
      bits.push(sum / Math.max(1, n) > 128 ? 1 : 0);
    }
    return decodeTimecodeCells(bits);
  }
}

type FrameCallbackVideo = HTMLVideoElement & {
  requestVideoFrameCallback?: (cb: (now: number, meta: { presentationTime?: number }) => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/**
 * Measures glass-to-glass latency on every presented frame (requestVideoFrameCallback),
 * keeping the last `keep` samples in ms. Stop it with the returned function.
 */
export function measureGlassToGlass(video: HTMLVideoElement, samples: number[], keep = 300): () => void {
  const reader = new TimecodeReader(video);
  const v = video as FrameCallbackVideo;
  let handle = 0;
  let stopped = false;
  const onFrame = (_now: number, meta: { presentationTime?: number }): void => {
    if (stopped) return;
    const stamp = reader.read();
    if (stamp !== null) {
      // presentationTime is on the performance clock: turn it into wall-clock ms.
      const shownAt = meta.presentationTime !== undefined ? performance.timeOrigin + meta.presentationTime : Date.now();
      samples.push(latencyMs(stamp, shownAt));
      if (samples.length > keep) samples.splice(0, samples.length - keep);
    }
    handle = v.requestVideoFrameCallback!(onFrame);
  };
  if (v.requestVideoFrameCallback) {
    handle = v.requestVideoFrameCallback(onFrame);
    return () => {
      stopped = true;
      v.cancelVideoFrameCallback?.(handle);
    };
  }
  const timer = setInterval(() => onFrame(0, {}), 100);
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
