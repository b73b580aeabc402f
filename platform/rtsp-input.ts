// How every ffmpeg of the project opens a camera's RTSP stream (relay, snapshot,
// low-latency view, recorder): one list, so a change of transport or probing reaches all.
//
// - TCP interleaved: no UDP ports to open through NATs and firewalls, no lost packets.
// - ffmpeg 5: `-timeout` is the RTSP socket I/O timeout in µs (`-stimeout` is gone).
// - Probing: ffmpeg's default reads up to 5 s of stream before writing anything; with
//   these limits the first HLS segment on the simulated camera came after ~1.4 s instead
//   of ~3.1 s, and the codec parameters are still found (they come in the SDP).
export function rtspInputArgs(timeoutMs: number): string[] {
  return [
    '-rtsp_transport',
    'tcp',
    '-timeout',
    String(Math.round(timeoutMs * 1000)),
    '-analyzeduration',
    '200000',
    '-probesize',
    '500000',
  ];
}
