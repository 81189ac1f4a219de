// Where the middleware's own time goes, in-process (no server, no edge sandbox): µs per
// call of middleware() for a public page and a protected page with a valid cookie, and
// of each step it takes, alternated over rounds, medians. Run by `npm run bench` next to
// verify.ts; prints one JSON object. The framework's share (the sandbox, the header
// round trip through x-middleware-*) is what the page ratios measure instead.
import { NextRequest, NextResponse } from "next/server";
import { middleware } from "../middleware";
import { readAuthCookies } from "../lib/auth/edge/cookies";
import { isCrossSiteRequest } from "../lib/auth/edge/csrf";
import { signAccessToken, verifyAccessToken } from "../lib/auth/edge/tokens";
import { getConfig } from "../lib/config";
import { createNonce, pageCsp } from "../lib/http/security-headers";
import { median } from "./harness/stats";

const seconds = Number(process.env.BENCH_VERIFY_SECONDS ?? "0.5");
const rounds = Number(process.env.BENCH_VERIFY_ROUNDS ?? "3");
const origin = getConfig().appOrigin;
const { token } = await signAccessToken({ userId: "bench-user", sessionId: "bench-session" });

// What a browser sends for a page view (Chromium 156's header set, abridged values).
const BROWSER_HEADERS = {
  host: new URL(origin).host,
  "user-agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Safari/537.36",
  accept: "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
  "accept-language": "en-GB,en;q=0.9",
  "accept-encoding": "gzip, deflate, br, zstd",
  "sec-fetch-site": "same-origin",
  "sec-fetch-mode": "navigate",
  "sec-fetch-dest": "document",
  "upgrade-insecure-requests": "1",
  cookie: `access_token=${token}; theme=dark`,
};

const request = (path: string) => new NextRequest(`${origin}${path}`, { headers: BROWSER_HEADERS });
// The steps below run on one prepared request; the two middleware() rows on a new one per
// call, as the sandbox makes it (subtract the NextRequest row for the middleware's share).
const prepared = request("/dashboard");

type Case = { name: string; run: () => unknown };

const cases: Case[] = [
  { name: "middleware(): protected page, valid cookie", run: () => middleware(request("/dashboard")) },
  { name: "middleware(): public page", run: () => middleware(request("/login")) },
  { name: "new NextRequest (the sandbox builds one per request)", run: () => request("/dashboard") },
  { name: "verifyAccessToken", run: () => verifyAccessToken(token) },
  { name: "read the access cookie (parsed by NextRequest)", run: () => readAuthCookies(prepared.cookies) },
  { name: "CSRF check (GET)", run: () => isCrossSiteRequest("GET", prepared.headers, origin) },
  { name: "nonce + CSP string", run: () => pageCsp(createNonce(), { https: false, development: false }) },
  {
    name: "clone request headers + NextResponse.next({ request }) (passes the nonce to the render)",
    run: () => NextResponse.next({ request: { headers: new Headers(prepared.headers) } }),
  },
  { name: "NextResponse.next() (what a no-op middleware returns)", run: () => NextResponse.next() },
];

async function microsecondsPerCall(run: () => unknown): Promise<number> {
  let calls = 0;
  const started = performance.now();
  const until = started + seconds * 1000;
  while (performance.now() < until) {
    for (let i = 0; i < 50; i += 1) await run();
    calls += 50;
  }
  return ((performance.now() - started) * 1000) / calls;
}

for (const c of cases) for (let i = 0; i < 500; i += 1) await c.run();
const samples = new Map<string, number[]>(cases.map((c) => [c.name, []]));
for (let r = 0; r < rounds; r += 1) for (const c of cases) samples.get(c.name)!.push(await microsecondsPerCall(c.run));

const round2 = (x: number | null) => (x === null ? null : Math.round(x * 100) / 100);
process.stdout.write(
  `${JSON.stringify({
    middlewareCost: cases.map((c) => ({
      name: c.name,
      microseconds: round2(median(samples.get(c.name)!)),
      rounds: samples.get(c.name)!.map(round2),
    })),
  })}\n`,
);
