// Starts edge/test/rtsp-server.py (GStreamer RTSP server) on a free loopback port for RTSP tests.
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SERVER_SCRIPT = path.join(path.dirname(fileURLToPath(import.meta.url)), 'rtsp-server.py');
// The Debian python3-gi bindings live in the system interpreter, not in pyenv/venv ones.
const PYTHON = process.env.RTSP_TEST_PYTHON ?? '/usr/bin/python3';

const PROBE = `
import sys
try:
    import gi
except ImportError:
    print("python3-gi"); sys.exit(0)
missing = []
for ns, pkg in (("Gst", "gir1.2-gstreamer-1.0"), ("GstRtspServer", "gir1.2-gst-rtsp-server-1.0")):
    try:
        gi.require_version(ns, "1.0")
        __import__("gi.repository." + ns)
    except (ValueError, ImportError):
        missing.append(pkg)
if not missing:
    from gi.repository import Gst
    Gst.init(None)
    for element, pkg in (("qtdemux", "gstreamer1.0-plugins-good"), ("rtph264pay", "gstreamer1.0-plugins-good"),
                         ("h264parse", "gstreamer1.0-plugins-bad"), ("filesrc", "gstreamer1.0-plugins-base")):
        if Gst.ElementFactory.find(element) is None:
            missing.append(pkg)
print(" ".join(dict.fromkeys(missing)))
`;

/** Debian packages the RTSP test server still needs (space-separated), or null when it can run. */
export function missingRtspServerPackages(): string | null {
  if (!existsSync(PYTHON)) return 'python3';
  const probe = spawnSync(PYTHON, ['-c', PROBE], { encoding: 'utf8', timeout: 20_000 });
  if (probe.status !== 0) return `python3-gi (probe failed: ${probe.stderr.trim().split('\n').pop() ?? ''})`;
  const missing = probe.stdout.trim();
  return missing === '' ? null : missing;
}

export async function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function acceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export interface RtspTestServer {
  readonly url: string;
  readonly port: number;
  /** Hard kill (SIGKILL), as a crashing camera/server: connections drop without RTSP TEARDOWN. */
  kill(): Promise<void>;
  /** Start again on the same port and wait until it accepts connections. */
  restart(): Promise<void>;
  /** Freeze (SIGSTOP) / thaw (SIGCONT) the server: the TCP connection stays open but no data flows. */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Serve `file` (H.264 .mp4) as rtsp://127.0.0.1:<free port>/stream; resolves once it accepts connections. */
export async function startRtspServer(file: string, timeoutMs = 15_000): Promise<RtspTestServer> {
  const port = await freeTcpPort();
  const url = `rtsp://127.0.0.1:${port}/stream`;
  let child: ChildProcess | null = null;
  let stderr = '';

  const exited = (proc: ChildProcess) =>
    proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => proc.once('exit', () => resolve()));

  const launch = async () => {
    stderr = '';
    const proc = spawn(PYTHON, [SERVER_SCRIPT, '--file', file, '--port', String(port), '--path', '/stream'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    proc.stdout?.resume();
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (proc.exitCode !== null) throw new Error(`rtsp-server.py exited with ${proc.exitCode}: ${stderr.trim()}`);
      if (await acceptsConnections(port)) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill('SIGKILL');
    throw new Error(`rtsp-server.py did not accept connections on ${port} within ${timeoutMs} ms: ${stderr.trim()}`);
  };

  const signal = async (sig: NodeJS.Signals) => {
    const proc = child;
    if (!proc) return;
    child = null;
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGCONT');
      proc.kill(sig);
    }
    await exited(proc);
  };

  await launch();
  return {
    url,
    port,
    kill: () => signal('SIGKILL'),
    restart: async () => {
      await signal('SIGKILL');
      await launch();
    },
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    stop: () => signal('SIGTERM'),
  };
}
