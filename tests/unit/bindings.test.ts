// The binding rules (lib/auth/bindings.ts) over every kind of session and every door,
// judged against the security requirements written out here, not read back from the
// module. The HTTP matrix (tests/http/binding-matrix.test.ts) drives the same classes
// through the real routes.
import { describe, expect, it } from "vitest";
import {
  checkGrantBinding,
  checkSessionBinding,
  DOOR_RULES,
  GRANT_RULES,
  DOORS,
  hotPathColumns,
  type Door,
  type Presented,
  type SessionBindingColumns,
} from "@/lib/auth/bindings";

const KEY = "key-of-the-holder";
const OTHER_KEY = "key-of-someone-else";
const DEVICE = "device-key";

/** Every kind of session the product creates, and some it must never accept anywhere. */
const SESSIONS: Record<string, SessionBindingColumns> = {
  browser: { channel: "browser", clientId: null, scope: null, dpopJkt: null, dbscThumbprint: null },
  "browser, device-bound": { channel: "browser", clientId: null, scope: null, dpopJkt: null, dbscThumbprint: DEVICE },
  "password grant": { channel: "token_api", clientId: null, scope: null, dpopJkt: null, dbscThumbprint: null },
  "password grant, DPoP-bound": {
    channel: "token_api",
    clientId: null,
    scope: null,
    dpopJkt: KEY,
    dbscThumbprint: null,
  },
  "demo-cli": { channel: "token_api", clientId: "demo-cli", scope: "read", dpopJkt: null, dbscThumbprint: null },
  "demo-cli, DPoP-bound": {
    channel: "token_api",
    clientId: "demo-cli",
    scope: "read",
    dpopJkt: KEY,
    dbscThumbprint: null,
  },
};

const CLIENTS = [null, "demo-cli", "other-app"] as const;
const KEYS = [null, KEY, OTHER_KEY] as const;
const ACCESS_VIA = ["cookie", "header"] as const;

function* presentations(): Generator<Presented> {
  for (const clientId of CLIENTS)
    for (const dpopJkt of KEYS) for (const accessVia of ACCESS_VIA) yield { clientId, dpopJkt, accessVia };
}

/** The requirements, door by door, in plain words (issue 22, docs/decisions/0015-one-binding-decision.md). */
function expected(door: Door, s: SessionBindingColumns, p: Presented): boolean {
  const browser = s.channel === "browser";
  const keyOk = s.dpopJkt === null || p.dpopJkt === s.dpopJkt;
  switch (door) {
    case "cookie_refresh":
      // Browser sessions only, and not once a device key renews them.
      return browser && s.dbscThumbprint === null;
    case "token_refresh":
      // Token-API sessions, as their own client (none for the password grant), with their key.
      return !browser && (p.clientId ?? null) === s.clientId && keyOk;
    case "token_revocation":
      return !browser && (p.clientId ?? null) === s.clientId;
    case "dbsc_register":
      return browser && s.dbscThumbprint === null;
    case "dbsc_refresh":
      return browser && s.dbscThumbprint !== null;
    case "resource":
      return (browser ? p.accessVia === "cookie" : p.accessVia === "header") && keyOk;
    case "reauth":
      // Step-up answers with cookies: browser sessions only, through their access cookie.
      return browser && p.accessVia === "cookie";
    case "account_credentials":
      // Only the browser's own user adds or changes a way to sign in, with its access cookie.
      return browser && p.accessVia === "cookie";
  }
}

describe("checkSessionBinding: every session × door × presentation", () => {
  const cases = Object.entries(SESSIONS).flatMap(([name, session]) =>
    DOORS.flatMap((door) => [...presentations()].map((presented) => ({ name, session, door, presented }))),
  );

  it("covers every door the table names, and the table names every door", () => {
    expect(Object.keys(DOOR_RULES).sort()).toEqual([...DOORS].sort());
    expect(cases.length).toBe(Object.keys(SESSIONS).length * DOORS.length * 18);
  });

  it.each(cases)("$door, $name session, %#", ({ session, door, presented }) => {
    expect(checkSessionBinding(door, session, presented).ok).toBe(expected(door, session, presented));
  });
});

describe("DPoP key binding on refresh (RFC 9449 §5, docs/decisions/0016-dpop-binds-on-first-proof.md)", () => {
  it("an unbound token-API session refreshed with a proof is bound to that key from then on", () => {
    const decision = checkSessionBinding("token_refresh", SESSIONS["demo-cli"]!, {
      clientId: "demo-cli",
      dpopJkt: KEY,
    });
    expect(decision).toEqual({ ok: true, bindDpopKey: KEY });
  });

  it("no other door binds a key, and a bound session is never re-bound", () => {
    for (const door of DOORS.filter((d) => d !== "token_refresh")) {
      for (const session of Object.values(SESSIONS)) {
        const decision = checkSessionBinding(door, session, {
          clientId: session.clientId,
          dpopJkt: KEY,
          accessVia: "header",
        });
        if (decision.ok) expect(decision.bindDpopKey).toBeNull();
      }
    }
    const bound = checkSessionBinding("token_refresh", SESSIONS["demo-cli, DPoP-bound"]!, {
      clientId: "demo-cli",
      dpopJkt: KEY,
    });
    expect(bound).toEqual({ ok: true, bindDpopKey: null });
  });

  it("a refresh may narrow the scope, never widen it", () => {
    const session = { ...SESSIONS["demo-cli"]!, scope: "read write" };
    const asks = (scope: string) => checkSessionBinding("token_refresh", session, { clientId: "demo-cli", scope });
    expect(asks("read").ok).toBe(true);
    expect(asks("read write").ok).toBe(true);
    expect(asks("read admin")).toEqual({ ok: false, failure: "scope_widened" });
    expect(asks("__proto__")).toEqual({ ok: false, failure: "scope_widened" });
  });

  it("names the refusal so the token endpoint can answer it (RFC 6749 §5.2, RFC 9449 §5)", () => {
    const s = SESSIONS["demo-cli, DPoP-bound"]!;
    expect(checkSessionBinding("token_refresh", s, { clientId: "other-app", dpopJkt: KEY })).toEqual({
      ok: false,
      failure: "wrong_client",
    });
    expect(checkSessionBinding("token_refresh", s, { clientId: "demo-cli", dpopJkt: null })).toEqual({
      ok: false,
      failure: "dpop_proof_required",
    });
    expect(checkSessionBinding("cookie_refresh", s)).toEqual({ ok: false, failure: "wrong_channel" });
    expect(checkSessionBinding("cookie_refresh", SESSIONS["browser, device-bound"]!)).toEqual({
      ok: false,
      failure: "session_bound",
    });
  });
});

describe("the refresh hot path's columns agree with the rule", () => {
  // The hot path rotates in one SQL statement when the session's columns equal these;
  // it must never rotate what checkSessionBinding would refuse, nor skip a key binding.
  const channels = ["browser", "token_api"];
  const sessions: SessionBindingColumns[] = channels.flatMap((channel) =>
    CLIENTS.flatMap((clientId) =>
      KEYS.map((dpopJkt) => ({ channel, clientId, scope: null, dpopJkt, dbscThumbprint: null })),
    ),
  );
  for (const door of ["cookie_refresh", "token_refresh"] as const) {
    it(`${door}: a session the hot path admits is accepted with nothing to bind`, () => {
      let admitted = 0;
      for (const presented of presentations()) {
        const columns = hotPathColumns(door, presented);
        for (const session of sessions) {
          const matches =
            columns !== null &&
            session.channel === columns.channel &&
            session.clientId === columns.clientId &&
            session.dpopJkt === columns.dpopJkt;
          if (!matches) continue;
          admitted++;
          expect(checkSessionBinding(door, session, presented)).toEqual({ ok: true, bindDpopKey: null });
        }
      }
      expect(admitted).toBeGreaterThan(0);
    });
  }

  it("a refresh that names a scope always takes the slow path", () => {
    expect(hotPathColumns("token_refresh", { clientId: "demo-cli", scope: "read" })).toBeNull();
  });
});

describe("checkGrantBinding: the one-time grants the token endpoint redeems", () => {
  const issued = { clientId: "demo-cli", redirectUri: "http://127.0.0.1/callback" };
  const cases = (["authorization_code", "device_code"] as const).flatMap((grant) =>
    ["demo-cli", "other-app"].flatMap((clientId) =>
      [issued.redirectUri, "http://127.0.0.1/other", undefined].map((redirectUri) => ({
        grant,
        clientId,
        redirectUri,
      })),
    ),
  );
  it.each(cases)("$grant presented by $clientId with redirect_uri $redirectUri", ({ grant, clientId, redirectUri }) => {
    // The issuing client only; a code also needs the redirect URI it was issued for
    // (RFC 6749 §4.1.3); the device grant has none (RFC 8628 §3.4).
    const accepted = clientId === "demo-cli" && (grant === "device_code" || redirectUri === issued.redirectUri);
    expect(checkGrantBinding(grant, issued, { clientId, redirectUri }).ok).toBe(accepted);
  });

  it("names every grant in its table", () => {
    expect(Object.keys(GRANT_RULES).sort()).toEqual(["authorization_code", "device_code"]);
  });
});
