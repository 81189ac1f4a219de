// Pure parts of the issue 22 fixes: loopback redirect matching (RFC 8252 §7.3, finding 5)
// and the address server.mjs listens on while the development mailbox is on (finding 14).
import { describe, expect, it } from "vitest";
import { isAllowedRedirectUri, type OAuthClient } from "@/lib/auth/oauth/clients";
import { loadConfig } from "@/lib/config";
import { devMailboxEnabled, isLoopbackHost, listenHost } from "../../scripts/listen-host.mjs";

const client = (redirectUris: string[], allowLoopback = true): OAuthClient => ({
  id: "c",
  name: "C",
  redirectUris,
  allowLoopback,
  grantTypes: ["authorization_code"],
});

describe("loopback redirect URIs: only the port varies", () => {
  const v4 = client(["http://127.0.0.1/callback"]);
  const v6 = client(["http://[::1]:8000/cb?app=1"]);

  it.each([
    [v4, "http://127.0.0.1/callback"],
    [v4, "http://127.0.0.1:1/callback"],
    [v4, "http://127.0.0.1:65535/callback"],
    [v6, "http://[::1]:8000/cb?app=1"],
    [v6, "http://[::1]/cb?app=1"],
    [v6, "http://[::1]:12345/cb?app=1"],
  ])("%# accepts %s", (c, uri) => expect(isAllowedRedirectUri(c, uri)).toBe(true));

  it.each([
    [v4, "http://127.0.0.1:9999/other/path"],
    [v4, "http://127.0.0.1:9999/callback/"],
    [v4, "http://127.0.0.1:9999/callback?x"],
    [v4, "http://127.0.0.1:9999/callback?"],
    [v4, "http://127.0.0.1:9999/callback#"],
    [v4, "http://127.0.0.1:9999/callback#f"],
    [v4, "http://127.0.0.1:9999/Callback"],
    [v4, "http://127.0.0.1:9999/%63allback"],
    [v4, "http://u:p@127.0.0.1:9999/callback"],
    [v4, "http://@127.0.0.1:9999/callback"],
    [v4, "http://[::1]:9999/callback"],
    [v4, "http://localhost:9999/callback"],
    [v4, "http://127.0.0.1:0/callback"],
    [v4, "http://127.0.0.1:65536/callback"],
    [v4, "http://127.0.0.1:+1/callback"],
    [v4, "http://127.0.0.1:0x10/callback"],
    [v4, "http://127.0.0.1:01/callback"],
    [v4, "http://127.0.0.1:80/callback"],
    [v6, "http://[::1]:9999/cb"],
    [v6, "http://[::1]:9999/cb?app=2"],
    [v6, "http://127.0.0.1:9999/cb?app=1"],
    [client(["http://127.0.0.1/callback"], false), "http://127.0.0.1:9999/callback"],
    [client(["http://localhost/callback"]), "http://localhost:9999/callback"],
    [client(["https://127.0.0.1/callback"]), "https://127.0.0.1:9999/callback"],
    [client([]), "http://127.0.0.1:9999/callback"],
  ])("%# refuses %s", (c, uri) => expect(isAllowedRedirectUri(c, uri)).toBe(false));
});

describe("server.mjs listens on loopback while the development mailbox is on", () => {
  const base = { APP_URL: "http://127.0.0.1:3000" };
  const cases: Record<string, string | undefined>[] = [];
  for (const NODE_ENV of ["development", "production"])
    for (const DEV_MAILBOX of [undefined, "enabled", "disabled"])
      for (const SMTP_URL of [undefined, "smtp://mail.test:25"]) cases.push({ NODE_ENV, DEV_MAILBOX, SMTP_URL });

  it.each(cases)("agrees with lib/config on whether the mailbox is on: %o", (env) => {
    const mailbox = loadConfig({ ...base, ...env }).mail.transport === "dev-mailbox";
    expect(devMailboxEnabled(env)).toBe(mailbox);
    expect(listenHost(undefined, env)).toBe(mailbox ? "127.0.0.1" : "0.0.0.0");
  });

  it.each(["0.0.0.0", "::", "192.0.2.2", "example.com", "[fd00::2]"])(
    "with the mailbox on, -H %s is refused",
    (host) => {
      expect(() => listenHost(host, { DEV_MAILBOX: "enabled" })).toThrow(/DEV_MAILBOX/);
      expect(listenHost(host, { DEV_MAILBOX: "disabled" })).toBe(host);
    },
  );

  it.each(["127.0.0.1", "127.1.2.3", "::1", "[::1]", "localhost", "LOCALHOST"])("%s is loopback", (host) => {
    expect(isLoopbackHost(host)).toBe(true);
    expect(listenHost(host, { DEV_MAILBOX: "enabled" })).toBe(host);
  });
});
