/**
 * A slow reader whose socket buffers are small, as on a real network path: a TCP client
 * with a 4 KiB receive buffer (SO_RCVBUF) and Ethernet's segment size (TCP_MAXSEG 1460,
 * so the server's send buffer autotunes as it would off loopback, to about 200 KiB instead
 * of 3 MiB), reading at a steady rate, over TLS for an https URL. Node's `net` can set
 * neither option, so the client is a few lines of Python (python3 is on every machine
 * this project runs on; .ci/run checks).
 */
import { spawn } from "node:child_process";

const CLIENT = String.raw`
import json, socket, ssl, sys, time
host, port, path, rate, cafile, hold = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5], sys.argv[6] == "1"
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.setsockopt(socket.IPPROTO_TCP, socket.TCP_MAXSEG, 1460)
s.connect((host, port))
if cafile:
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False
    context.set_alpn_protocols(["http/1.1"])
    s = context.wrap_socket(s)
s.sendall(("GET %s HTTP/1.1\r\nHost: %s:%d\r\nConnection: close\r\n\r\n" % (path, host, port)).encode())
if hold:
    sys.stdin.readline()  # told to start reading
data = bytearray()
start = time.time()
error = None
try:
    while True:
        piece = s.recv(4096)
        if not piece:
            break
        data += piece
        ahead = len(data) / rate - (time.time() - start) if rate > 0 else 0
        if ahead > 0:
            time.sleep(ahead)
except OSError as e:
    error = str(e)
head, _, body = bytes(data).partition(b"\r\n\r\n")
status = int(head.split(b" ")[1]) if head.startswith(b"HTTP/1.1 ") else 0
chunked = b"chunked" in head.lower()
payload = bytearray()
complete = False
if chunked:
    at = 0
    while True:
        end = body.find(b"\r\n", at)
        if end < 0:
            break
        size = int(body[at:end].split(b";")[0] or b"0", 16)
        if size == 0:
            complete = body[end:end + 4] == b"\r\n\r\n"
            break
        if len(body) < end + 2 + size + 2:
            payload += body[end + 2:end + 2 + size]
            break
        payload += body[end + 2:end + 2 + size]
        at = end + 2 + size + 2
else:
    payload = body
    length = [l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
    complete = bool(length) and int(length[0].split(b":")[1]) == len(body)
print(json.dumps({"status": status, "bytes": len(payload), "complete": complete, "seconds": time.time() - start, "error": error, "sum": sum(payload) % 1000003}))
`;

export interface SlowOutcome {
  status: number;
  /** Body bytes received (chunk framing removed). */
  bytes: number;
  /** Ended as its framing says: the chunked terminator or all of Content-Length. */
  complete: boolean;
  seconds: number;
  error: string | null;
  /** Sum of the body's bytes mod 1000003, to compare with what was sent. */
  sum: number;
}

/**
 * GETs `path` from `url` with a 4 KiB receive buffer, reading `rate` bytes per second
 * (Infinity: as fast as it can), from when `hold` settles if given (until then, it reads
 * nothing). An https `url` is spoken to over TLS, trusting the certificate the test
 * processes trust (NODE_EXTRA_CA_CERTS, made by the conformance set-up).
 */
export function smallWindowGet(url: URL, path: string, rate: number, hold?: Promise<unknown>): Promise<SlowOutcome> {
  const cafile = url.protocol === "https:" ? process.env.NODE_EXTRA_CA_CERTS : "";
  if (cafile === undefined)
    throw new Error("smallWindowGet over https needs NODE_EXTRA_CA_CERTS (the conformance set-up sets it)");
  return new Promise((resolve, reject) => {
    const args = [url.hostname, url.port, path, String(rate === Infinity ? 0 : rate), cafile, hold ? "1" : "0"];
    const child = spawn("python3", ["-c", CLIENT, ...args], { stdio: ["pipe", "pipe", "pipe"] });
    const start = () => child.stdin.end("start\n");
    if (hold) void hold.then(start, start);
    else child.stdin.end();
    let out = "";
    let err = "";
    child.stdout.setEncoding("utf8").on("data", (text: string) => (out += text));
    child.stderr.setEncoding("utf8").on("data", (text: string) => (err += text));
    child.once("error", (error) => reject(new Error(`the small-window client needs python3 on PATH: ${error.message}`)));
    child.once("exit", (code) => {
      if (code === 0) resolve(JSON.parse(out) as SlowOutcome);
      else reject(new Error(`the small-window client failed (${code}): ${err}`));
    });
  });
}
