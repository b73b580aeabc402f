// The only place that runs GDAL (Debian's gdal-bin): ogrinfo and ogr2ogr as child
// processes with an argument list (never a shell string), a deadline, and a working
// directory of their own. GDAL's own messages are passed on with paths removed.
import { execFile } from 'node:child_process';
import { AppError } from '../../platform/errors.js';

export interface OgrRun {
  cwd: string;
  timeoutMs: number;
}

/**
 * GDAL is told to stay off the network, and not to open virtual datasets: a VRT
 * (recognised by its content whatever the file is called) can name any file on the
 * server, whose rows would come back in the preview's samples.
 */
const GDAL_ENV = {
  GDAL_SKIP: 'OGR_VRT VRT',
  GDAL_HTTP_TIMEOUT: '1',
  CPL_VSIL_CURL_ALLOWED_EXTENSIONS: '.none',
  LC_ALL: 'C.UTF-8',
};

export async function runGdal(tool: 'ogrinfo' | 'ogr2ogr', args: string[], run: OgrRun): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      tool,
      args,
      {
        cwd: run.cwd,
        timeout: run.timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024 * 1024,
        env: { ...process.env, ...GDAL_ENV },
      },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout);
        const e = err as NodeJS.ErrnoException & { killed?: boolean };
        if (e.code === 'ENOENT') {
          return reject(
            new AppError(503, 'gdal_missing', `${tool} is not installed: install Debian's gdal-bin (npm start does)`),
          );
        }
        if (e.killed) {
          return reject(
            new AppError(
              422,
              'file_too_slow',
              `Reading the file took longer than ${run.timeoutMs / 1000} s: split it or simplify it`,
            ),
          );
        }
        reject(new AppError(422, 'unreadable_file', `GDAL cannot read the file: ${gdalMessage(stderr, run.cwd)}`));
      },
    );
  });
}

/** GDAL's error lines, without the temporary paths they mention. */
export function gdalMessage(stderr: string, cwd: string): string {
  const lines = stderr.split('\n').filter((l) => /^(ERROR|FAILURE)/.test(l));
  const text = (lines.length ? lines : stderr.split('\n').filter(Boolean)).slice(0, 3).join(' ');
  return (
    text
      .split(cwd + '/')
      .join('')
      .split(cwd)
      .join('.')
      .replace(/^(ERROR \d+|FAILURE):\s*/, '')
      .slice(0, 400) || 'no reason given'
  );
}

export interface OgrLayer {
  name: string;
  /** As ogrinfo says it: Polygon, Multi Polygon, 3D Polygon, Measured Polygon, Unknown (any), None. */
  geometry: string;
  features: number;
  /** Null when the file says nothing of its coordinate system. */
  crs: { name: string; epsg: number | null; geographic: boolean } | null;
  extent: [number, number, number, number] | null;
}

/** Parses `ogrinfo -ro -so -al` (GDAL 3.6 has no JSON output yet). */
export function parseOgrinfo(text: string): OgrLayer[] {
  const layers: OgrLayer[] = [];
  for (const block of text.split(/\n(?=Layer name: )/).slice(1)) {
    const line = (re: RegExp) => block.match(re)?.[1]?.trim();
    const ext = block.match(/Extent: \(([-\d.e+]+), ([-\d.e+]+)\) - \(([-\d.e+]+), ([-\d.e+]+)\)/);
    let crs: OgrLayer['crs'] = null;
    const wkt =
      block.match(/Layer SRS WKT:\n([\s\S]*?)(?:\nData axis to CRS axis mapping|\n[^\s][^\n]*: [A-Z]|\n?$)/)?.[1] ?? '';
    const head = wkt.match(/^(PROJCRS|GEOGCRS|GEODCRS|BOUNDCRS|COMPOUNDCRS|PROJCS|GEOGCS)\["([^"]*)"/);
    if (head) {
      // The CRS's own ID is the last one, closing the WKT; inner IDs name its parts.
      const ids = [...wkt.matchAll(/ID\["EPSG",(\d+)\]\]\s*$/g)];
      const epsg = ids.length ? Number(ids[ids.length - 1]![1]) : null;
      crs = { name: head[2]!, epsg, geographic: /^GEOG/.test(head[1]!) };
    }
    layers.push({
      name: line(/^Layer name: (.*)$/m) ?? '',
      geometry: line(/^Geometry: (.*)$/m) ?? 'Unknown (any)',
      features: Number(line(/^Feature Count: (\d+)/m) ?? 0),
      crs,
      extent: ext ? [Number(ext[1]), Number(ext[2]), Number(ext[3]), Number(ext[4])] : null,
    });
  }
  return layers;
}
