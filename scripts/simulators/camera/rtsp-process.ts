// Runs rtsp-server.py (GStreamer) as a child process for one camera.
// The child exits on SIGTERM, and also by itself when our end of its stdin
// pipe closes, so it never outlives this process, even after a crash.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { StreamSpec } from './types.js';

const SCRIPT = fileURLToPath(new URL('./rtsp-server.py', import.meta.url));
/** Debian's python has the GStreamer bindings; a pyenv one on PATH may not. */
export const DEFAULT_PYTHON = process.env.SIM_CAMERA_PYTHON ?? '/usr/bin/python3';

export type RtspAuthMethod = 'digest' | 'basic' | 'both' | 'none';

export interface RtspServerOptions {
  /** 0 lets the server pick a free port. */
  port: number;
  address: string;
  name: string;
  username: string;
  password: string;
  main: StreamSpec;
  sub: StreamSpec;
  auth: RtspAuthMethod;
  pattern?: string;
  /** Encoders of the two streams (default H.264); 'h265' needs x265enc (gstreamer1.0-plugins-bad). */
  codecs?: { main?: 'h264' | 'h265'; sub?: 'h264' | 'h265' };
  python?: string;
  startTimeoutMs?: number;
  /** Recording tokens of the simulated SD card, replayed at /replay/<token>?starttime=… (Profile G). */
  replay?: readonly string[];
}

const STDERR_TAIL_BYTES = 4096;

export class RtspServerProcess {
  private stderrTail = '';
  private readonly exitPromise: Promise<number | null>;
  private exitCode: number | null | undefined;

  private constructor(
    private readonly child: ChildProcess,
    public port = 0,
  ) {
    this.exitPromise = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitCode = code ?? (signal ? null : 0);
        resolve(this.exitCode);
      });
      // A failed spawn (e.g. no python) emits 'error' and never 'exit'.
      child.once('error', () => {
        if (child.pid === undefined && this.exitCode === undefined) {
          this.exitCode = null;
          resolve(null);
        }
      });
    });
    // Writing is never done; this only swallows EPIPE once the child is gone.
    child.stdin?.on('error', () => undefined);
    // Drain stderr (GStreamer warnings) so the pipe never fills; keep a tail for errors.
    child.stderr?.on('data', (chunk: Buffer) => {
      this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-STDERR_TAIL_BYTES);
    });
  }

  static async start(options: RtspServerOptions): Promise<RtspServerProcess> {
    const spec = (s: StreamSpec): string => `${s.width}x${s.height}@${s.fps}`;
    const args = [
      SCRIPT,
      `--port=${options.port}`,
      `--address=${options.address}`,
      `--name=${options.name}`,
      `--main=${spec(options.main)}`,
      `--sub=${spec(options.sub)}`,
      `--main-kbps=${options.main.bitrateKbps}`,
      `--sub-kbps=${options.sub.bitrateKbps}`,
      `--auth=${options.auth}`,
      `--pattern=${options.pattern ?? 'ball'}`,
      `--main-codec=${options.codecs?.main ?? 'h264'}`,
      `--sub-codec=${options.codecs?.sub ?? 'h264'}`,
      ...(options.replay ?? []).map((token) => `--replay=${token}`),
    ];
    const child = spawn(options.python ?? DEFAULT_PYTHON, args, {
      stdio: ['pipe', 'pipe', 'pipe'],
      // Credentials via the environment, not argv, so `ps` does not show them.
      env: { ...process.env, SIM_RTSP_USERNAME: options.username, SIM_RTSP_PASSWORD: options.password },
    });
    const proc = new RtspServerProcess(child);
    try {
      proc.port = await proc.waitReady(options.startTimeoutMs ?? 15_000);
    } catch (err) {
      await proc.stop();
      throw err;
    }
    return proc;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Resolves with the exit code when the process ends (null if killed by a signal). */
  exited(): Promise<number | null> {
    return this.exitPromise;
  }

  async stop(graceMs = 3000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
  }

  private waitReady(timeoutMs: number): Promise<number> {
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: this.child.stdout! });
      const fail = (why: string): void => {
        cleanup();
        reject(new Error(`RTSP server did not start: ${why}\n${this.stderrTail.trim()}`));
      };
      const timer = setTimeout(() => fail(`no READY line within ${timeoutMs} ms`), timeoutMs);
      const onLine = (line: string): void => {
        const m = /^READY port=(\d+)/.exec(line);
        if (m?.[1]) {
          cleanup();
          resolve(Number(m[1]));
        }
      };
      const onExit = (code: number | null): void => fail(`exited with ${code ?? 'a signal'}`);
      const onError = (err: Error): void => fail(err.message);
      const cleanup = (): void => {
        clearTimeout(timer);
        lines.off('line', onLine);
        this.child.off('exit', onExit);
        this.child.off('error', onError);
      };
      lines.on('line', onLine);
      this.child.on('exit', onExit);
      this.child.on('error', onError);
    });
  }
}
