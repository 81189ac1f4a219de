// The app's HTTP entry point: Next.js behind a few lines of plain Node, for one reason.
// Route handlers cannot see the TCP socket, and Next.js fills x-forwarded-for from it
// only when the client did not send one itself, so that header is attacker-controlled.
// This server writes the socket's address into a header of its own (overwriting
// anything a client sent) and tells the app its name; `next start` alone would leave
// the app without a trustworthy client address (rate limits then fall back to per
// account only). It is also the only code that sees a request body before Next.js
// buffers it, so the body cap lives here (see capBody). Usage: node server.mjs [--dev]
// [-p PORT] [-H HOST]. With TLS_CERT_FILE and TLS_KEY_FILE (PEM) it serves HTTPS on the
// same port.
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { parseArgs } from "node:util";
import nextEnv from "@next/env";
import next from "next";
import { printMiddlewareNote } from "./scripts/middleware-note.mjs";
import { applyStaticPageCsp } from "./lib/http/static-pages.mjs";
import { listenHost } from "./scripts/listen-host.mjs";
import { createLogger } from "./lib/observability/logger.mjs";

const { values } = parseArgs({
  options: {
    dev: { type: "boolean", default: false },
    port: { type: "string", short: "p", default: process.env.PORT ?? "3000" },
    hostname: { type: "string", short: "H", default: process.env.HOSTNAME },
  },
});

const SOCKET_ADDRESS_HEADER = "x-socket-remote-address";
process.env.SOCKET_ADDRESS_HEADER = SOCKET_ADDRESS_HEADER;
process.env.NEXT_TELEMETRY_DISABLED ??= "1";
process.env.NODE_ENV ??= values.dev ? "development" : "production";
// The .env files as the app will read them, so the listening address is decided on the
// same DEV_MAILBOX / SMTP_URL the app will see.
nextEnv.loadEnvConfig(process.cwd(), values.dev);
// The app's logger configuration (JSON lines in production, pretty in development), so
// that this file's few lines read like the app's.
const log = createLogger({ development: values.dev, level: process.env.LOG_LEVEL });
let hostname;
try {
  hostname = listenHost(values.hostname, process.env);
} catch (error) {
  log.fatal(error.message);
  process.exit(1);
}

// Class of bug closed here: a body buffered before the code that would refuse it runs.
// Next.js buffers up to proxyClientMaxBodySize of every body for the middleware (10 MB
// unless configured), whether or not the route ever reads it, and route handlers only
// see the body after that. So the cap is applied to the raw request, for every route,
// before anything buffers it: a declared Content-Length over the cap is refused at once;
// a body without one (chunked) is collected here up to the cap before Next.js sees the
// request, and refused as soon as it goes over. No route needs more (lib/http/body.ts
// reads at most 8 KiB).
const MAX_REQUEST_BODY_BYTES = 64 * 1024;

function refuseTooLarge(res) {
  const body = JSON.stringify({
    error: "payload_too_large",
    message: `The request body is larger than ${MAX_REQUEST_BODY_BYTES} bytes.`,
  });
  res.writeHead(413, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(body),
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    // No "Connection: close": closing while the client still sends makes its write fail
    // (EPIPE) and it loses this answer. The rest of the body is read and discarded
    // (nothing is kept), until the client stops or the server's requestTimeout.
  });
  res.end(body);
}

/** Calls `forward` once the body is known to be within the cap; answers 413 otherwise. */
function capBody(req, res, forward) {
  const declared = req.headers["content-length"];
  if (declared !== undefined) {
    // Node's parser rejects a body longer than the declared length, so the header is binding.
    if (Number(declared) > MAX_REQUEST_BODY_BYTES) refuseTooLarge(res);
    else forward();
    return;
  }
  if (req.headers["transfer-encoding"] === undefined) return forward();
  // Chunked: intercept the chunks as the HTTP parser pushes them, before the stream
  // buffers them for any reader, and replay them once the body ended within the cap.
  const push = req.push;
  const chunks = [];
  let received = 0;
  let refused = false;
  req.push = (chunk, encoding) => {
    if (refused) {
      // Discarded: nothing is kept of an oversized body. Its end is still pushed, so the
      // request completes and the connection can serve the next one.
      if (chunk === null) push.call(req, null);
      return true;
    }
    if (chunk === null) {
      req.push = push;
      for (const kept of chunks) push.call(req, kept);
      push.call(req, null);
      forward();
      return false;
    }
    received += chunk.length;
    if (received > MAX_REQUEST_BODY_BYTES) {
      refused = true;
      chunks.length = 0;
      refuseTooLarge(res);
      return true;
    }
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk, encoding) : chunk);
    return true;
  };
}

// The static pages' CSP lists their inline scripts' hashes, which only exist once the
// build has prerendered them; `npm run build` fills them in, and so does this for a
// build made with plain `next build` (scripts/static-csp.mjs).
if (!values.dev) applyStaticPageCsp();

const port = Number(values.port);
printMiddlewareNote(); // first, so it comes before the deprecation warning `next dev` prints
const app = next({ dev: values.dev, hostname, port });
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

// Latency of the auth routes for GET /api/metrics: timed here, from the request's
// arrival to the answer's last byte (what a client waits), and handed to the app's
// metrics through a hook it installs at start-up (lib/observability/metrics.ts), which
// keeps only known route paths.
const OBSERVE_REQUEST = Symbol.for("next-auth-tokens.observe-request");
function timeRequest(req, res) {
  const started = process.hrtime.bigint();
  res.once("finish", () => {
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    globalThis[OBSERVE_REQUEST]?.(req.url.split("?")[0], req.method, res.statusCode, seconds);
  });
}

// The edge middleware's verdict rides on its answer in this header (middleware.ts says
// why): counted here, where every response of this process passes, and removed before
// the headers go out. writeHead is where Node sends them, also when a response is
// written without calling it.
const EDGE_VERDICT_HEADER = "x-edge-verdict";
const COUNT_EDGE_VERDICT = Symbol.for("next-auth-tokens.count-edge-verdict");
function countEdgeVerdict(res) {
  const writeHead = res.writeHead;
  res.writeHead = function (...args) {
    const verdict = res.getHeader(EDGE_VERDICT_HEADER);
    if (verdict !== undefined) {
      res.removeHeader(EDGE_VERDICT_HEADER);
      globalThis[COUNT_EDGE_VERDICT]?.(String(verdict));
    }
    return writeHead.apply(this, args);
  };
}

let draining = false; // set by shutDown below

// Requests being answered, per connection. A keep-alive connection whose request was
// still being answered when the drain began answers it with "keep-alive" (its headers
// were out), and Node's closeIdleConnections() has already run: the connection would
// stay open until the client or the keep-alive timer ends it, 5 s of a drain spent
// waiting for nothing (and a test server that stops in 3 s instead of 30 ms). So while
// draining, each connection is closed as soon as it has nothing in flight.
const requestsInFlight = new Map();
function trackInFlight(req, res) {
  const { socket } = req;
  if (!requestsInFlight.has(socket)) socket.once("close", () => requestsInFlight.delete(socket));
  requestsInFlight.set(socket, (requestsInFlight.get(socket) ?? 0) + 1);
  res.once("close", () => {
    // A connection that closed first (the client went away) is forgotten already, and
    // must stay forgotten: an entry set again here would keep its socket for ever.
    const count = requestsInFlight.get(socket);
    if (count === undefined) return;
    requestsInFlight.set(socket, count - 1);
    if (draining && count === 1) socket.destroy();
  });
}
function closeConnectionsAtRest() {
  server.closeIdleConnections(); // also those that never carried a request
  for (const [socket, count] of requestsInFlight) if (count === 0) socket.destroy();
}

const { scheme, server } = createAppServer((req, res) => {
  req.headers[SOCKET_ADDRESS_HEADER] = req.socket.remoteAddress ?? "";
  // While draining, a request that still arrives on an open keep-alive connection is
  // served, and its connection closed after the answer.
  if (draining) res.setHeader("Connection", "close");
  trackInFlight(req, res);
  timeRequest(req, res);
  countEdgeVerdict(res);
  capBody(req, res, () => void handle(req, res));
});
server.listen(port, hostname, () => {
  log.info(`▲ ${values.dev ? "Development" : "Production"} server on ${scheme}://${hostname}:${port}`);
});

// Graceful shutdown (SIGTERM from an orchestrator, Ctrl-C): stop accepting connections,
// let every request in flight finish (a rotation is one transaction, so none is left
// half-done either way, but a finished one also reaches its client), close the database
// pool, exit 0. Readiness answers 503 meanwhile (lib/ops/readiness.ts reads the global
// below), and idle keep-alive connections are closed at once. Requests still running
// after SHUTDOWN_TIMEOUT_SECONDS (default 25, under Kubernetes' 30 s grace period) are
// cut, and the exit code says so (1).
const DRAINING = Symbol.for("next-auth-tokens.draining");
const shutdownTimeoutMs = (Number(process.env.SHUTDOWN_TIMEOUT_SECONDS) || 25) * 1000;

function shutDown(signal) {
  if (draining) return;
  draining = true;
  globalThis[DRAINING] = true;
  log.info(
    `${signal}: no new connections; finishing the requests in flight (${requestsInFlight.size} connections open)`,
  );
  const deadline = setTimeout(() => {
    log.error(`Requests still running after ${shutdownTimeoutMs / 1000} s; closing them.`);
    server.closeAllConnections();
    process.exit(1);
  }, shutdownTimeoutMs);
  deadline.unref();
  server.close(async () => {
    // The app's Prisma client (lib/db keeps it on globalThis): PostgreSQL sees its
    // connections end cleanly, SQLite checkpoints its WAL.
    await globalThis.__db?.$disconnect().catch(() => {});
    log.info("Shut down.");
    process.exit(0);
  });
  closeConnectionsAtRest();
}
process.once("SIGTERM", () => shutDown("SIGTERM"));
process.once("SIGINT", () => shutDown("SIGINT"));
