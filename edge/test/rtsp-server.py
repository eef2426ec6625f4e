#!/usr/bin/env python3
"""Serve one H.264 .mp4 as rtsp://127.0.0.1:<port>/<path> for tests (GStreamer RTSP server).

Run with the system interpreter (/usr/bin/python3) so the Debian python3-gi bindings are found:
  /usr/bin/python3 edge/test/rtsp-server.py --file clip.mp4 --port 8554 --path /stream
Prints "READY rtsp://..." once the port is bound. SIGTERM/SIGINT stop it cleanly.
"""
import argparse
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", default="/stream")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))

    factory = GstRtspServer.RTSPMediaFactory()
    location = args.file.replace("\\", "\\\\").replace('"', '\\"')
    # config-interval=-1 repeats SPS/PPS with every keyframe so a late or reconnecting client can start decoding.
    factory.set_launch(
        f'( filesrc location="{location}" ! qtdemux ! h264parse config-interval=-1 ! rtph264pay name=pay0 pt=96 )'
    )
    # One pipeline for all clients, like a camera: a reconnecting client joins the live stream, not a restart.
    factory.set_shared(True)
    server.get_mount_points().add_factory(args.path, factory)

    if server.attach(None) == 0:
        print(f"cannot bind 127.0.0.1:{args.port}", file=sys.stderr, flush=True)
        return 1

    loop = GLib.MainLoop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)
    print(f"READY rtsp://127.0.0.1:{args.port}{args.path}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
