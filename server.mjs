// The app's HTTP entry point: Next.js behind a few lines of plain Node, for one reason.
// Route handlers cannot see the TCP socket, and Next.js fills x-forwarded-for from it
// only when the client did not send one itself, so that header is attacker-controlled.
// This server writes the socket's address into a header of its own (overwriting
// anything a client sent) and tells the app its name; `next start` alone would leave
// the app without a trustworthy client address (rate limits then fall back to per
// account only). Usage: node server.mjs [--dev] [-p PORT] [-H HOST]
import { createServer } from "node:http";
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

createServer((req, res) => {
  req.headers[SOCKET_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  void handle(req, res);
}).listen(port, values.hostname, () => {
  console.log(`▲ ${values.dev ? "Development" : "Production"} server on http://${values.hostname}:${port}`);
});
