// The app's HTTP entry point: Next.js behind a few lines of plain Node, for one reason.
// Route handlers cannot see the TCP socket, and Next.js fills x-forwarded-for from it
// only when the client did not send one itself, so that header is attacker-controlled.
// This server writes the socket's address into a header of its own (overwriting
// anything a client sent) and tells the app its name; `next start` alone would leave
// the app without a trustworthy client address (rate limits then fall back to per
// account only). Usage: node server.mjs [--dev] [-p PORT] [-H HOST]
// With TLS_CERT_FILE and TLS_KEY_FILE (PEM) it serves HTTPS on the same port.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { parseArgs } from "node:util";
import next from "next";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", short: "p", default: process.env.PORT ?? "3000" },
    hostname: { type: "string", short: "H", default: process.env.HOSTNAME ?? "0.0.0.0" },
  },
});

const SOCKET_ADDRESS_HEADER = "x-socket-remote-address";
process.env.SOCKET_ADDRESS_HEADER = SOCKET_ADDRESS_HEADER;
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.NODE_ENV ??= values.dev ? "development" : "production";

const port = Number(values.port);
const app = next({ dev: values.dev, hostname: values.hostname, port });
const handle = app.getRequestHandler();
await app.prepare();

// HTTPS when both TLS files are named (device-bound sessions and the __Host- cookies
// need it); one without the other is a mistake worth stopping for.
function createAppServer(listener) {
  const { TLS_CERT_FILE: certFile, TLS_KEY_FILE: keyFile } = process.env;
  if (!certFile && !keyFile) return { scheme: "http", server: createServer(listener) };
  if (!certFile || !keyFile) throw new Error("Set both TLS_CERT_FILE and TLS_KEY_FILE, or neither.");
  const tls = { cert: readFileSync(certFile), key: readFileSync(keyFile) };
  return { scheme: "https", server: createHttpsServer(tls, listener) };
}

const { scheme, server } = createAppServer((req, res) => {
  req.headers[SOCKET_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  void handle(req, res);
});
server.listen(port, values.hostname, () => {
  console.log(`▲ ${values.dev ? "Development" : "Production"} server on ${scheme}://${values.hostname}:${port}`);
});
