// Reads the simulated camera's burnt-in timecode (rtsp-server.py: two rows of 24 black/
// white cells at the top, ms mod 2^32 with an XOR checksum) from the first frame ffmpeg
// decodes of a file or stream: what the picture says its time is.
import { execFile } from 'node:child_process';

const COLUMNS = 24;

function decode(bits: number[]): number | null {
  if (bits[0] !== 1 || bits[1] !== 0) return null;
  let value = 0;
  for (let i = 0; i < 32; i++) value = value * 2 + (bits[2 + i] ? 1 : 0);
  let check = 0;
  for (let i = 0; i < 8; i++) check = check * 2 + (bits[34 + i] ? 1 : 0);
  return (((value >>> 24) ^ (value >>> 16) ^ (value >>> 8) ^ value) & 0xff) === check ? value : null;
}

/** The first frame's timecode (ms mod 2^32), or null when the picture carries none. */
export async function firstFrameTimecode(input: string, inputArgs: string[] = []): Promise<number | null> {
  const pgm = await new Promise<Buffer>((resolve, reject) =>
    execFile(
      'ffmpeg',
      [
        '-hide_banner',
        '-loglevel',
        'error',
        ...inputArgs,
        '-i',
        input,
        '-frames:v',
        '1',
        '-c:v',
        'pgm',
        '-f',
        'image2pipe',
        'pipe:1',
      ],
      { encoding: 'buffer', maxBuffer: 16 * 1024 * 1024, timeout: 20_000 },
      (err, stdout) => (err ? reject(err) : resolve(stdout)),
    ),
  );
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(pgm.subarray(0, 32).toString('latin1'));
  if (!header) throw new Error('ffmpeg gave no PGM frame');
  const width = Number(header[1]);
  const pixels = pgm.subarray(header[0].length);
  const cell = Math.floor(width / COLUMNS);
  const bits: number[] = [];
  for (let i = 0; i < 2 * COLUMNS; i++) {
    const row = Math.floor(i / COLUMNS);
    const col = i % COLUMNS;
    let sum = 0;
    let n = 0;
    // The middle third of each cell: the encoder blurs the edges.
    for (let y = row * cell + Math.floor(cell / 3); y < row * cell + Math.ceil((2 * cell) / 3); y++)
      for (let x = col * cell + Math.floor(cell / 3); x < col * cell + Math.ceil((2 * cell) / 3); x++) {
        sum += pixels[y * width + x]!;
        n++;
      }
    bits.push(sum / n > 128 ? 1 : 0);
  }
  return decode(bits);
}

/** a − b for two timecodes or instants, modulo 2^32 (the timecode wraps every ~49 days). */
export function timecodeDiffMs(stamp: number, instantMs: number): number {
  const diff = stamp - (instantMs % 2 ** 32);
  return diff > 2 ** 31 ? diff - 2 ** 32 : diff < -(2 ** 31) ? diff + 2 ** 32 : diff;
}
