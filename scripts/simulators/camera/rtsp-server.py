#!/usr/bin/python3
"""RTSP server for one simulated camera (网格天眼 camera simulator).

Serves two live H.264 streams from GStreamer's test source, like a real IP
camera's main and sub streams:

    rtsp://HOST:PORT/main   e.g. 640x360 @ 15 fps
    rtsp://HOST:PORT/sub    e.g. 320x180 @ 10 fps
    rtsp://HOST:PORT/replay/<token>?starttime=20260301T060000Z
                            the "SD card" replayed from that instant (ONVIF
                            Profile G), its timecode the recording's time

One process serves one camera. Run it with Debian's /usr/bin/python3 (it needs
python3-gi and gir1.2-gst-rtsp-server-1.0). Credentials come from the
environment (SIM_RTSP_USERNAME / SIM_RTSP_PASSWORD) rather than argv, so they
do not show up in `ps`.

Protocol with the parent process:
  * prints exactly one line `READY port=<port>` on stdout once it listens;
  * exits cleanly on SIGTERM / SIGINT;
  * exits when its stdin reaches EOF, i.e. when the parent died without
    stopping it (the parent keeps a pipe open on our stdin), so a crashed test
    run never leaves orphan encoders behind. PR_SET_PDEATHSIG backs this up.
"""

import argparse
import ctypes
import datetime
import os
import re
import signal
import sys
import urllib.parse

import time

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

# cairooverlay hands its "draw" callback a cairo context: python3-gi-cairo converts it.
gi.require_foreign("cairo")

ROLE = "camera-user"


def parse_stream(spec):
    """'640x360@15' -> (640, 360, 15)."""
    size, _, fps = spec.partition("@")
    width, _, height = size.partition("x")
    return int(width), int(height), int(fps or "15")


def parse_args():
    p = argparse.ArgumentParser(description="Simulated camera RTSP server")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--address", default="127.0.0.1")
    p.add_argument("--name", default="camera")
    p.add_argument("--main", default="640x360@15", help="WIDTHxHEIGHT@FPS")
    p.add_argument("--sub", default="320x180@10", help="WIDTHxHEIGHT@FPS")
    p.add_argument("--main-kbps", type=int, default=768)
    p.add_argument("--sub-kbps", type=int, default=256)
    p.add_argument("--auth", choices=["digest", "basic", "both", "none"], default="digest")
    p.add_argument("--pattern", default="ball", help="videotestsrc pattern")
    p.add_argument("--main-codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--sub-codec", choices=["h264", "h265"], default="h264")
    p.add_argument("--replay", action="append", default=[], help="a recording token served at /replay/TOKEN")
    return p.parse_args()


# What a replay of the "SD card" starts from: `starttime` in the URL's query, as Hikvision-
# style firmwares take it (20260301T060000Z), or ISO 8601; the time is the camera's clock.
STARTTIME = re.compile(r"(?:^|&)starttime=([^&]+)")


def parse_starttime(query):
    """'starttime=20260301T060000Z&…' -> ms since the epoch, or None."""
    m = STARTTIME.search(query or "")
    if not m:
        return None
    text = urllib.parse.unquote(m.group(1)).strip()
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(?:\.(\d+))?Z?", text)
    try:
        if compact:
            y, mo, d, h, mi, se, frac = compact.groups()
            dt = datetime.datetime(int(y), int(mo), int(d), int(h), int(mi), int(se), tzinfo=datetime.timezone.utc)
            ms = int(dt.timestamp() * 1000)
            return ms + (int((frac + "000")[:3]) if frac else 0)
        dt = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if dt.tzinfo is None:
            dt = dt.replace(tzinfo=datetime.timezone.utc)
        return int(dt.timestamp() * 1000)
    except ValueError:
        return None


class ReplayFactory(GstRtspServer.RTSPMediaFactory):
    """Replays the simulated SD card from the URL's `starttime`: the picture's timecode
    and clock are the recording's time (start + stream time), not now. One pipeline per
    client (not shared): each replay has its own position."""

    def __init__(self, launch, label, width):
        super().__init__()
        self._launch = launch
        self._label = label
        self._width = width

    def do_create_element(self, url):
        start_ms = parse_starttime(url.query)
        if start_ms is None:
            start_ms = int(time.time() * 1000)
        bin_ = Gst.parse_launch(self._launch)
        bin_.get_by_name("label").set_property("text", self._label)
        cell = self._width // TIMECODE_COLUMNS
        bin_.get_by_name("timecode").connect(
            "draw", lambda _o, context, ts, _d: draw_replay(context, cell, start_ms + ts // 1_000_000)
        )
        return bin_


class CameraStreamFactory(GstRtspServer.RTSPMediaFactory):
    """Builds the encoder pipeline for one stream.

    The label is set as an element property rather than spliced into the launch
    string, so camera names with quotes or Chinese characters need no escaping.
    """

    def __init__(self, launch, label, width):
        super().__init__()
        self._launch = launch
        self._label = label
        self._width = width

    def do_create_element(self, _url):
        bin_ = Gst.parse_launch(self._launch)
        bin_.get_by_name("label").set_property("text", self._label)
        timecode = bin_.get_by_name("timecode")
        if timecode is not None:
            cell = self._width // TIMECODE_COLUMNS
            timecode.connect("draw", lambda _o, context, _t, _d: draw_timecode(context, cell))
        return bin_


# The glass-to-glass timecode: the wall-clock time at which the frame is drawn, burnt into
# the top of the picture as two rows of TIMECODE_COLUMNS black/white cells, so a viewer
# (web/src/video/timecode.ts) reads it back from the playing <video> and subtracts it from
# its own clock. Cells: 2 markers (white, black), 32 bits of ms since epoch mod 2^32
# (most significant first), 8 bits of XOR checksum over those 4 bytes, then black.
TIMECODE_COLUMNS = 24


def timecode_cells(ms):
    value = ms & 0xFFFFFFFF
    data = [(value >> (31 - i)) & 1 for i in range(32)]
    check = 0
    for shift in (24, 16, 8, 0):
        check ^= (value >> shift) & 0xFF
    checksum = [(check >> (7 - i)) & 1 for i in range(8)]
    cells = [1, 0] + data + checksum
    return cells + [0] * (2 * TIMECODE_COLUMNS - len(cells))


def draw_timecode(context, cell):
    cells = timecode_cells(int(time.time() * 1000))
    for index, bit in enumerate(cells):
        row, col = divmod(index, TIMECODE_COLUMNS)
        shade = 1.0 if bit else 0.0
        context.set_source_rgb(shade, shade, shade)
        context.rectangle(col * cell, row * cell, cell, cell)
        context.fill()


def draw_replay(context, cell, ms):
    """The recording's own time: timecode cells and, below them, the date and time as text."""
    for index, bit in enumerate(timecode_cells(ms)):
        row, col = divmod(index, TIMECODE_COLUMNS)
        shade = 1.0 if bit else 0.0
        context.set_source_rgb(shade, shade, shade)
        context.rectangle(col * cell, row * cell, cell, cell)
        context.fill()
    stamp = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc).strftime("REPLAY %Y-%m-%d %H:%M:%S UTC")
    context.set_source_rgb(1.0, 1.0, 0.0)
    context.select_font_face("Sans")
    context.set_font_size(max(10, cell * 1.5))
    context.move_to(4, 2 * cell + max(14, cell * 2))
    context.show_text(stamp)


def encoder(codec, fps, kbps):
    if codec == "h265":
        # H.265 as Profile T cameras send it; one thread pool, one frame thread, like the x264 one.
        return (
            f"! x265enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate={kbps} "
            'option-string="pools=1:frame-threads=1" '
            "! video/x-h265,profile=main "
            "! rtph265pay name=pay0 pt=96 config-interval=1 )"
        )
    return (
        f"! x264enc tune=zerolatency speed-preset=ultrafast key-int-max={fps} bitrate={kbps} threads=1 "
        "! video/x-h264,profile=baseline "
        "! rtph264pay name=pay0 pt=96 config-interval=1 )"
    )


def launch_line(width, height, fps, kbps, pattern, codec="h264"):
    # key-int-max = fps gives one keyframe per second, so a new viewer (or
    # ffprobe) gets a picture within a second; zerolatency avoids B-frames and
    # lookahead like a real camera's low-latency encoder.
    return (
        f"( videotestsrc is-live=true pattern={pattern} "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        "! videoconvert ! cairooverlay name=timecode ! videoconvert "
        f'! clockoverlay time-format="%Y-%m-%d %H:%M:%S" halignment=left valignment=top ypad={2 * (width // TIMECODE_COLUMNS) + 4} '
        'font-desc="Sans 12" '
        '! textoverlay name=label halignment=right valignment=bottom font-desc="Sans 12" '
        "! videoconvert "
        + encoder(codec, fps, kbps)
    )


def replay_launch_line(width, height, fps, kbps):
    return (
        f"( videotestsrc is-live=true pattern=smpte "
        f"! video/x-raw,width={width},height={height},framerate={fps}/1 "
        "! videoconvert ! cairooverlay name=timecode ! videoconvert "
        '! textoverlay name=label halignment=right valignment=bottom font-desc="Sans 12" '
        "! videoconvert " + encoder("h264", fps, kbps)
    )


def make_replay_factory(args, with_auth):
    width, height, fps = parse_stream(args.sub)
    factory = ReplayFactory(replay_launch_line(width, height, fps, args.sub_kbps), f"{args.name} replay", width)
    factory.set_shared(False)
    if with_auth:
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                f"{ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    return factory


def make_factory(args, stream, spec, kbps, with_auth):
    width, height, fps = parse_stream(spec)
    factory = CameraStreamFactory(
        launch_line(width, height, fps, kbps, args.pattern, getattr(args, f"{stream}_codec")),
        f"{args.name} {stream} {width}x{height}",
        width,
    )
    # One encoder per stream however many viewers there are (a real camera
    # does not encode once per client); it is torn down when the last leaves.
    factory.set_shared(True)
    if with_auth:
        factory.add_role_from_structure(
            Gst.Structure.new_from_string(
                f"{ROLE}, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"
            )
        )
    return factory


def make_auth(method, username, password):
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", ROLE)
    methods = 0
    if method in ("basic", "both"):
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(username, password), token)
        methods |= GstRtsp.RTSPAuthMethod.BASIC
    if method in ("digest", "both"):
        auth.add_digest(username, password, token)
        methods |= GstRtsp.RTSPAuthMethod.DIGEST
    auth.set_supported_methods(methods)
    return auth


def die_with_parent():
    """Ask the kernel to SIGTERM us if the parent dies (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
    except OSError:
        pass


# Every element of launch_line(): a missing plugin would otherwise surface only when a
# client asks for the stream, as an opaque "400 Bad Request" to DESCRIBE.
REQUIRED_ELEMENTS = ("videotestsrc", "cairooverlay", "clockoverlay", "textoverlay", "videoconvert", "x264enc", "rtph264pay")


def check_elements():
    missing = [name for name in REQUIRED_ELEMENTS if Gst.ElementFactory.find(name) is None]
    if missing:
        print(
            "ERROR missing GStreamer elements: %s (Debian: gstreamer1.0-x for the overlays, "
            "gstreamer1.0-plugins-ugly for x264enc, python3-gi-cairo for the timecode)" % ", ".join(missing),
            file=sys.stderr,
            flush=True,
        )
        sys.exit(3)


def main():
    args = parse_args()
    die_with_parent()
    Gst.init(None)
    check_elements()

    username = os.environ.get("SIM_RTSP_USERNAME", "admin")
    password = os.environ.get("SIM_RTSP_PASSWORD", "")
    with_auth = args.auth != "none"

    server = GstRtspServer.RTSPServer()
    server.set_address(args.address)
    server.set_service(str(args.port))
    if with_auth:
        server.set_auth(make_auth(args.auth, username, password))

    mounts = server.get_mount_points()
    mounts.add_factory("/main", make_factory(args, "main", args.main, args.main_kbps, with_auth))
    mounts.add_factory("/sub", make_factory(args, "sub", args.sub, args.sub_kbps, with_auth))
    # /replay/<recording token>?starttime=…: the SD card (ONVIF Profile G replay), at the sub stream's size.
    for token in args.replay:
        mounts.add_factory("/replay/" + token, make_replay_factory(args, with_auth))

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        print("ERROR cannot listen on %s:%d" % (args.address, args.port), file=sys.stderr, flush=True)
        sys.exit(2)

    def quit_loop(*_unused):
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, quit_loop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, quit_loop)
    # stdin EOF / HUP means the parent is gone.
    GLib.io_add_watch(
        GLib.IOChannel.unix_new(sys.stdin.fileno()),
        GLib.PRIORITY_DEFAULT,
        GLib.IOCondition.IN | GLib.IOCondition.HUP | GLib.IOCondition.ERR,
        lambda channel, condition: on_stdin(channel, condition, loop),
    )

    print("READY port=%d" % server.get_bound_port(), flush=True)
    loop.run()
    # Pipelines are torn down with the process; exit 0 so the parent can tell a
    # clean stop from a crash.
    sys.exit(0)


def on_stdin(_channel, condition, loop):
    if condition & (GLib.IOCondition.HUP | GLib.IOCondition.ERR):
        loop.quit()
        return GLib.SOURCE_REMOVE
    data = os.read(sys.stdin.fileno(), 4096)
    if not data:
        loop.quit()
        return GLib.SOURCE_REMOVE
    return GLib.SOURCE_CONTINUE


if __name__ == "__main__":
    main()
