// Secrets and tokens never reach the server's output, whatever happens.
import { afterAll, beforeAll, expect, it } from "vitest";
import { DEMO } from "../support/database";
import { login, refreshWith, withCookies } from "../support/http";
import { startServer, TEST_AUTH_SECRET, type TestServer } from "../support/server";

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(() => server?.stop());

it("keeps AUTH_SECRET, passwords, access and refresh tokens out of the logs", async () => {
  const secrets = new Set<string>([TEST_AUTH_SECRET, DEMO.password, "wrong-password-in-logs"]);
  const { jar } = await login(server.url, DEMO);
  await login(server.url, { email: DEMO.email, password: "wrong-password-in-logs" });
  const firstRefresh = jar.get("refresh_token")!;
  secrets.add(jar.get("access_token")!);
  secrets.add(firstRefresh);

  jar.store(await refreshWith(server.url, firstRefresh));
  secrets.add(jar.get("refresh_token")!);
  secrets.add(jar.get("access_token")!);
  await server.db.refreshToken.updateMany({ where: { usedAt: { not: null } }, data: { usedAt: new Date(0) } });
  expect((await refreshWith(server.url, firstRefresh)).status).toBe(401); // replay: the theft path
  await fetch(`${server.url}/api/me`, withCookies(jar));
  await fetch(`${server.url}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: "{bad",
  });
  await fetch(`${server.url}/api/auth/logout`, withCookies(jar, { method: "POST" }));

  const logs = server.logs();
  expect(logs.length).toBeGreaterThan(0); // the server did print (its start banner at least)
  for (const secret of secrets) expect(logs).not.toContain(secret);
});
