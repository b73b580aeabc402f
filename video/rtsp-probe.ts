// Is the camera's RTSP service answering? An OPTIONS request needs no credentials on
// the cameras we know, and costs one round trip: no video is pulled.
import net from 'node:net';

export async function rtspAnswers(uri: string, timeoutMs: number): Promise<{ ok: boolean; error?: string }> {
  const url = new URL(uri);
  const port = Number(url.port || 554);
  return new Promise((resolve) => {
    const socket = net.connect({ host: url.hostname, port });
    let answer = '';
    const done = (result: { ok: boolean; error?: string }) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () =>
      done({ ok: false, error: `RTSP on ${url.hostname}:${port} did not answer within ${timeoutMs} ms` }),
    );
    socket.on('connect', () => {
      url.username = '';
      url.password = '';
      socket.write(`OPTIONS ${url.toString()} RTSP/1.0\r\nCSeq: 1\r\nUser-Agent: wangge-health\r\n\r\n`);
    });
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
      if (answer.includes('\r\n'))
        done(
          /^RTSP\/1\.0 (200|401)/.test(answer)
            ? { ok: true }
            : { ok: false, error: `RTSP answered: ${answer.split('\r\n')[0]}` },
        );
    });
    socket.on('error', (err: NodeJS.ErrnoException) =>
      done({ ok: false, error: `RTSP on ${url.hostname}:${port}: ${err.code ?? err.message}` }),
    );
  });
}
