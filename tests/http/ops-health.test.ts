// Health, readiness and shutdown on the real server (server.mjs): readiness follows the
// database (PostgreSQL taken away and given back), and SIGTERM lets every request in
// flight finish, refuses new connections and exits 0.
import { request as httpRequest } from "node:http";
import { connect } from "node:net";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";
import { afterEach, describe, expect, it } from "vitest";
import { DEMO, testProvider } from "../support/database";
import { login } from "../support/http";
import { startServer, type TestServer } from "../support/server";

// Each test starts its own server (SIGTERM ends one), which is slow on a busy machine.
let server: TestServer | undefined;
afterEach(async () => {
  await server?.stop();
  server = undefined;
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function readiness(url: string) {
  const response = await fetch(`${url}/api/health/ready`);
  return { status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() };
}

describe("GET /api/health/ready", () => {
  it("answers 200 while the database answers", async () => {
    server = await startServer();
    expect(await readiness(server.url)).toEqual({
      status: 200,
      retryAfter: null,
      body: { status: "ready", db: "ok" },
    });
    // (The same server, without METRICS_TOKEN, serves no metrics at all, token or not.)
    const attempts: Record<string, string>[] = [{}, { authorization: "Bearer anything-0123456789abcdef" }];
    for (const headers of attempts) {
      const metrics = await fetch(`${server.url}/api/metrics`, { headers });
      expect(metrics.status).toBe(404);
      expect(await metrics.json()).toMatchObject({ error: "not_found" });
    }
  }, 120_000);

  it.runIf(testProvider() === "postgresql")(
    "answers 503 JSON while PostgreSQL refuses the app, and 200 again once it is back",
    async () => {
      server = await startServer();
      const database = await databaseNameOf(server);
      const admin = new pg.Client(parseIntoClientConfig(process.env.TEST_DATABASE_URL!));
      await admin.connect();
      try {
        expect((await readiness(server.url)).status).toBe(200);
        // The database goes away for the app: no new connections, the open ones killed.
        await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
        const { rows } = await admin.query<{ killed: boolean }>(
          "SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity WHERE datname = $1",
          [database],
        );
        expect(rows.length).toBeGreaterThan(0);
        const down = await readiness(server.url);
        expect(down).toEqual({
          status: 503,
          retryAfter: "5",
          body: { error: "database_unreachable", message: "The database cannot be reached." },
        });
        // The process itself still answers, with the same error shape and Retry-After.
        const health = await fetch(`${server.url}/api/health`);
        expect(health.status).toBe(503);
        expect(health.headers.get("retry-after")).toBe("5");
        expect(await health.json()).toMatchObject({ status: "error", error: "database_unreachable" });

        await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
        // Recovers by itself: the pool reconnects on the next query.
        let status = 0;
        for (let i = 0; i < 50 && status !== 200; i++) {
          status = (await readiness(server.url)).status;
          if (status !== 200) await sleep(200);
        }
        expect(status).toBe(200);
      } finally {
        await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`).catch(() => {});
        await admin.end();
      }
    },
    120_000,
  );
});

async function databaseNameOf(s: TestServer): Promise<string> {
  const rows = await s.db.$queryRaw<{ name: string }[]>`SELECT current_database() AS name`;
  return rows[0]!.name;
}

function connectionError(url: string): Promise<string | null> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    socket.on("connect", () => {
      socket.destroy();
      resolve(null);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

type Answer = { status: number; setCookies: number };

/**
 * A sign-in whose JSON body is sent in two chunks: the server holds the request (in
 * flight) until `finish` sends the rest.
 */
function slowLogin(url: string): { read: Promise<void>; finish(): void; answer: Promise<Answer> } {
  const body = JSON.stringify(DEMO);
  const target = new URL("/api/auth/login", url);
  // "Expect: 100-continue": the server answers "100 Continue" from inside its request
  // handler's tick, so once the client hears it the request is in flight at the server.
  const req = httpRequest(target, {
    method: "POST",
    headers: { "content-type": "application/json", "transfer-encoding": "chunked", expect: "100-continue" },
  });
  const read = new Promise<void>((resolve) =>
    req.once("continue", () => {
      req.write(body.slice(0, 10));
      resolve();
    }),
  );
  const answer = new Promise<Answer>((resolve, reject) => {
    req.on("response", (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, setCookies: res.headers["set-cookie"]?.length ?? 0 }));
    });
    req.on("error", reject);
  });
  req.flushHeaders();
  return { read, finish: () => req.end(body.slice(10)), answer };
}

/** Resolves once the server has logged that its drain began. */
async function drainStarted(s: TestServer): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!s.logs().includes("SIGTERM: no new connections") && Date.now() < deadline) await sleep(50);
}

/** The head of a raw HTTP/1.1 request (keep-alive, the default) and as much of its body as given. */
function rawRequest(
  url: string,
  method: "GET" | "POST",
  path: string,
  body?: { length: number; sent: string },
): string {
  const { host } = new URL(url);
  const head = body ? `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n` : "";
  return `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\n${head}\r\n${body?.sent ?? ""}`;
}

// Each test below starts its own server inside the test, so its time includes the start:
// 120 s, as for the first: beside the browser tests these took over 60 s in CI, and 46 s
// here beside eight busy processes.
describe("SIGTERM", () => {
  it("finishes every request in flight, refuses new connections, and exits 0", async () => {
    server = await startServer();
    expect((await login(server.url, DEMO)).response.status).toBe(200);
    const before = await server.db.session.count();
    const inFlight = Array.from({ length: 8 }, () => slowLogin(server!.url));
    await Promise.all(inFlight.map((r) => r.read));

    const exited = server.kill("SIGTERM");
    await drainStarted(server);
    // Not listening any more: a new connection is refused.
    expect(await connectionError(server.url)).toBe("ECONNREFUSED");

    for (const request of inFlight) request.finish();
    const answers = await Promise.all(inFlight.map((r) => r.answer));
    // Each answer is a whole sign-in: the access, refresh and device cookies.
    expect(answers).toEqual(Array.from({ length: 8 }, () => ({ status: 200, setCookies: 3 })));
    expect(await exited).toEqual({ code: 0, signal: null });
    // Their sessions were written, and the server said goodbye in its log.
    expect((await server.db.session.count()) - before).toBe(8);
    expect(server.logs()).toContain("Shut down.");
  }, 120_000);

  // The answer to a request in flight at SIGTERM went out with "keep-alive" (its headers
  // were written before the drain). The client below keeps its connection open, as a
  // pooling client does: the server must close it once that answer is out, not wait for
  // its keep-alive timer (5 s), which is past this server's shutdown deadline (4 s).
  it("closes a kept-alive connection as soon as its in-flight answer is out, and exits 0", async () => {
    server = await startServer({ SHUTDOWN_TIMEOUT_SECONDS: "4" });
    expect((await login(server.url, DEMO)).response.status).toBe(200);
    const { hostname, port } = new URL(server.url);
    const socket = connect(Number(port), hostname);
    let received = "";
    socket.on("data", (chunk: Buffer) => (received += chunk.toString()));
    const closedByServer = new Promise<void>((resolve) => socket.once("end", resolve));
    const body = JSON.stringify(DEMO);
    // The head alone, asking for "100 Continue": once it is heard, the request is in
    // flight at the server (see slowLogin).
    const head = rawRequest(server.url, "POST", "/api/auth/login", { length: body.length, sent: "" });
    socket.write(head.replace("\r\n\r\n", "\r\nExpect: 100-continue\r\n\r\n"));
    await new Promise<void>((resolve) => {
      const heard = () => (received.includes("100 Continue\r\n\r\n") ? resolve() : socket.once("data", heard));
      socket.once("data", heard);
    });

    const exited = server.kill("SIGTERM");
    await drainStarted(server);
    socket.write(body);

    await closedByServer;
    expect(received).toMatch(/^HTTP\/1\.1 100 Continue\r\n\r\nHTTP\/1\.1 200 /);
    expect(received).toMatch(/^connection: keep-alive$/im);
    expect(await exited).toEqual({ code: 0, signal: null });
    socket.destroy();
  }, 120_000);

  // The drain above keeps a list of connections; one its client gave up on must leave it,
  // or every abandoned connection is kept for ever. Every point at which a client can give
  // up: before a request, mid-headers, mid-body (first request or a later one, whose
  // answer then closes after its connection did), and idle after an answer.
  it("forgets connections their clients abandoned, at any point: the drain counts only the open ones", async () => {
    server = await startServer();
    const url = server.url;
    const body = (sent: string) => ({ length: 100, sent });
    const ways: Record<string, string[]> = {
      "before a request": [],
      "mid-headers": [`GET /api/health HTTP/1.1\r\nHost: `],
      "mid-body of the first request": [rawRequest(url, "POST", "/api/auth/login", body(`{"email":`))],
      "after an answer, idle": [rawRequest(url, "GET", "/api/health")],
      "after an answer, mid-body of the next": [
        rawRequest(url, "GET", "/api/health"),
        rawRequest(url, "POST", "/api/auth/login", body(`{"email":`)),
      ],
    };
    const perWay = 3;
    const { hostname, port } = new URL(url);
    await Promise.all(
      Object.values(ways).flatMap((writes) =>
        Array.from({ length: perWay }, async () => {
          const socket = connect(Number(port), hostname);
          await new Promise((resolve) => socket.once("connect", resolve));
          for (const [i, text] of writes.entries()) {
            // Each write but the last is a whole request: wait for its answer first.
            const answered = new Promise((resolve) => socket.once("data", resolve));
            socket.write(text);
            if (i < writes.length - 1) await answered;
          }
          await sleep(300);
          const closed = new Promise((resolve) => socket.once("close", resolve));
          socket.destroy();
          await closed;
        }),
      ),
    );
    await sleep(300);
    const exited = server.kill("SIGTERM");
    expect(await exited).toEqual({ code: 0, signal: null });
    const open = Number(/no new connections; .*\((\d+) connections open\)/.exec(server.logs())?.[1]);
    // Only this process's own pooled fetch connections may still be open.
    expect(open).toBeLessThan(perWay);
  }, 120_000);
});
