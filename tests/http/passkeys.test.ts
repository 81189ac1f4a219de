// Passkeys through the real routes of a real server (issue 23), with a software
// authenticator (tests/support/webauthn.ts) that makes real attestations and assertions.
// Every refusal is an attack class: a replayed or expired challenge, a challenge of
// another ceremony or session, a tampered signature, another origin or RP ID, a counter
// that goes backwards, a concurrent double use, an unknown or removed credential. A
// refused sign-in starts no session.
import { decodeJwt } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CookieJar, login, withCookies } from "../support/http";
import { startServer, type TestServer } from "../support/server";
import { SoftPasskey, type CreationOptions, type RequestOptions } from "../support/webauthn";

let server: TestServer;
beforeAll(async () => {
  // Many sign-ins and refusals from one address: the throttle has its own server below.
  server = await startServer({
    RATE_LIMIT_LOGIN_PER_IP: "10000/900",
    RATE_LIMIT_LOGIN_PER_ACCOUNT: "10000/900",
    RATE_LIMIT_REGISTER_PER_IP: "10000/3600",
  });
});
afterAll(() => server?.stop());

const post = (jar: CookieJar | null, path: string, body?: unknown, method = "POST") =>
  fetch(`${server.url}${path}`, {
    method,
    redirect: "manual",
    headers: {
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...(jar ? { cookie: jar.header() } : {}),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

let counter = 0;
/** A fresh account, signed in with its password. */
async function account(): Promise<{ email: string; jar: CookieJar }> {
  const email = `passkey-${++counter}-${Date.now()}@example.com`;
  const response = await post(null, "/api/auth/register", { email, password: "a passkey test password" });
  expect(response.status).toBe(201);
  const jar = new CookieJar();
  jar.store(response);
  return { email, jar };
}

async function registrationOptions(jar: CookieJar): Promise<CreationOptions> {
  const response = await post(jar, "/api/account/passkeys/options");
  expect(response.status, await response.clone().text()).toBe(200);
  return (await response.json()) as CreationOptions;
}

async function addPasskey(jar: CookieJar, key = new SoftPasskey(server.origin), name?: string) {
  const response = await post(jar, "/api/account/passkeys", {
    name,
    response: key.register(await registrationOptions(jar)),
  });
  expect(response.status, await response.clone().text()).toBe(201);
  const { passkey } = (await response.json()) as { passkey: { id: string; name: string } };
  return { key, passkey };
}

async function signInOptions(): Promise<RequestOptions> {
  const response = await post(null, "/api/auth/passkey/options");
  expect(response.status).toBe(200);
  return (await response.json()) as RequestOptions;
}

const signIn = (response: unknown) => post(null, "/api/auth/passkey", { response });

const sessionCount = () => server.db.session.count();

async function refusal(response: Response, status: number, error: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(await response.json()).toEqual({ error, message: expect.any(String) });
  expect(response.headers.getSetCookie()).toEqual([]);
}

describe("adding a passkey", () => {
  it("registers a discoverable credential for this RP ID and lists it", async () => {
    const { email, jar } = await account();
    const options = (await registrationOptions(jar)) as CreationOptions & {
      rp: { id: string; name: string };
      user: { name: string };
      authenticatorSelection: { residentKey: string; userVerification: string };
      attestation: string;
    };
    expect(options.rp.id).toBe("127.0.0.1");
    expect(options.user.name).toBe(email);
    expect(options.authenticatorSelection).toMatchObject({ residentKey: "required", userVerification: "preferred" });
    expect(options.attestation).toBe("none");

    const key = new SoftPasskey(server.origin);
    const response = await post(jar, "/api/account/passkeys", { name: "My laptop", response: key.register(options) });
    expect(response.status).toBe(201);
    const row = await server.db.passkey.findUniqueOrThrow({ where: { credentialId: key.id } });
    expect(row).toMatchObject({
      name: "My laptop",
      deviceType: "singleDevice",
      backedUp: false,
      transports: "internal",
    });
    expect(row.lastUsedAt).toBeNull();

    const list = await fetch(`${server.url}/api/account/passkeys`, withCookies(jar));
    expect(list.status).toBe(200);
    const { passkeys } = (await list.json()) as { passkeys: { name: string; lastUsedAt: null; synced: boolean }[] };
    expect(passkeys).toEqual([
      expect.objectContaining({ name: "My laptop", lastUsedAt: null, synced: false, createdAt: expect.any(String) }),
    ]);
    // The next options exclude it, so the authenticator does not make a second one.
    const next = (await registrationOptions(jar)) as CreationOptions & { excludeCredentials: { id: string }[] };
    expect(next.excludeCredentials.map((c) => c.id)).toEqual([key.id]);
  });

  it("names it after the device when no name is given, and records backup state", async () => {
    const { jar } = await account();
    const key = new SoftPasskey(server.origin, { synced: true });
    const response = await fetch(`${server.url}/api/account/passkeys`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        cookie: jar.header(),
        "user-agent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 Chrome/131.0 Safari/537.36",
      },
      body: JSON.stringify({ response: key.register(await registrationOptions(jar)) }),
    });
    expect(response.status).toBe(201);
    expect(await server.db.passkey.findUniqueOrThrow({ where: { credentialId: key.id } })).toMatchObject({
      name: "Chrome on macOS",
      deviceType: "multiDevice",
      backedUp: true,
    });
  });

  it("refuses a replayed registration challenge, another session's, and a sign-in challenge", async () => {
    const { jar } = await account();
    const options = await registrationOptions(jar);
    const first = new SoftPasskey(server.origin);
    expect((await post(jar, "/api/account/passkeys", { response: first.register(options) })).status).toBe(201);
    const again = new SoftPasskey(server.origin);
    await refusal(
      await post(jar, "/api/account/passkeys", { response: again.register(options) }),
      400,
      "invalid_challenge",
    );

    // The same user's other session did not ask for this challenge.
    const other = (await login(server.url, { email: (await whoIs(jar)).email, password: "a passkey test password" }))
      .jar;
    const theirs = await registrationOptions(other);
    await refusal(
      await post(jar, "/api/account/passkeys", { response: new SoftPasskey(server.origin).register(theirs) }),
      400,
      "invalid_challenge",
    );
    const signInChallenge = await signInOptions();
    await refusal(
      await post(jar, "/api/account/passkeys", {
        response: new SoftPasskey(server.origin).register({ ...theirs, challenge: signInChallenge.challenge }),
      }),
      400,
      "invalid_challenge",
    );
    expect(await server.db.passkey.count({ where: { credentialId: { in: [again.id] } } })).toBe(0);
  });

  it("refuses another origin, another RP ID, a sign-in's clientData type, and a credential already stored", async () => {
    const { jar } = await account();
    const before = await server.db.passkey.count();
    for (const tweaks of [{ origin: "https://evil.example" }, { rpId: "evil.example" }, { type: "webauthn.get" }]) {
      const response = await post(jar, "/api/account/passkeys", {
        response: new SoftPasskey(server.origin).register(await registrationOptions(jar), tweaks),
      });
      await refusal(response, 400, "invalid_credential");
    }
    expect(await server.db.passkey.count()).toBe(before);

    const { key } = await addPasskey(jar);
    const second = await account();
    await refusal(
      await post(second.jar, "/api/account/passkeys", {
        response: key.register(await registrationOptions(second.jar)),
      }),
      409,
      "passkey_exists",
    );
  });

  it("refuses malformed bodies with 400 and writes nothing", async () => {
    const { jar } = await account();
    const options = await registrationOptions(jar);
    const good = new SoftPasskey(server.origin).register(options);
    const bodies: unknown[] = [
      {},
      { response: null },
      { response: { ...good, type: "password" } },
      { response: { ...good, response: { ...good.response, attestationObject: "not base64url!" } } },
      { response: { ...good, response: { ...good.response, clientDataJSON: Buffer.from("{").toString("base64url") } } },
      { response: good, name: "" },
      { response: good, name: "x".repeat(65) },
      { response: { ...good, response: { ...good.response, attestationObject: "AAAA" } } },
    ];
    const before = await server.db.passkey.count();
    for (const body of bodies) {
      const response = await post(jar, "/api/account/passkeys", body);
      expect(response.status, JSON.stringify(body).slice(0, 120)).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    const raw = await fetch(`${server.url}/api/account/passkeys`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar.header() },
      body: "{not json",
    });
    expect(raw.status).toBe(400);
    expect(await server.db.passkey.count()).toBe(before);
  });

  it("needs a signed-in caller", async () => {
    expect((await post(null, "/api/account/passkeys/options")).status).toBe(401);
    expect((await post(null, "/api/account/passkeys", { response: {} })).status).toBe(401);
    expect((await fetch(`${server.url}/api/account/passkeys`)).status).toBe(401);
    expect((await post(null, "/api/account/passkeys/x", { name: "x" }, "PATCH")).status).toBe(401);
    expect((await post(null, "/api/account/passkeys/x", undefined, "DELETE")).status).toBe(401);
  });

  it("refuses a cross-site request and writes no challenge", async () => {
    const { jar } = await account();
    const before = await server.db.webauthnChallenge.count();
    const response = await fetch(`${server.url}/api/account/passkeys/options`, {
      method: "POST",
      headers: { cookie: jar.header(), origin: "https://evil.example" },
    });
    expect(response.status).toBe(403);
    const signIn = await fetch(`${server.url}/api/auth/passkey/options`, {
      method: "POST",
      headers: { origin: "https://evil.example" },
    });
    expect(signIn.status).toBe(403);
    expect(await server.db.webauthnChallenge.count()).toBe(before);
  });
});

async function whoIs(jar: CookieJar): Promise<{ id: string; email: string }> {
  const me = await fetch(`${server.url}/api/me`, withCookies(jar));
  expect(me.status).toBe(200);
  return ((await me.json()) as { user: { id: string; email: string } }).user;
}

describe("signing in with a passkey", () => {
  it("starts a session like a password sign-in: same cookies, same JSON", async () => {
    const { email, jar } = await account();
    const { key } = await addPasskey(jar);
    const options = (await signInOptions()) as RequestOptions & {
      allowCredentials: unknown[];
      userVerification: string;
    };
    expect(options).toMatchObject({ rpId: "127.0.0.1", allowCredentials: [], userVerification: "preferred" });

    const response = await signIn(key.assert(options));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({ user: { id: expect.any(String), email } });
    const fresh = new CookieJar();
    fresh.store(response);
    expect(fresh.get("access_token")).toBeDefined();
    expect(fresh.get("refresh_token")).toBeDefined();
    expect((await whoIs(fresh)).email).toBe(email);
    const row = await server.db.passkey.findUniqueOrThrow({ where: { credentialId: key.id } });
    expect(row.signCount).toBe(1n);
    expect(row.lastUsedAt).not.toBeNull();
    const event = await server.db.authEvent.findFirst({
      where: { type: "login_succeeded" },
      orderBy: { createdAt: "desc" },
    });
    expect(event?.detail).toMatch(/^passkey \(hwk, user verified\)$/);
    // How the user signed in travels with the session and its tokens (RFC 8176, issue 23).
    const claims = decodeJwt(fresh.get("access_token")!);
    expect(claims.amr).toEqual(["hwk", "user", "mfa"]);
    const session = await server.db.session.findFirstOrThrow({
      where: { user: { email } },
      orderBy: { createdAt: "desc" },
    });
    expect(session.authMethods).toBe("hwk user mfa");
  });

  it("records a passkey that did not verify its user as one factor only", async () => {
    const { email, jar } = await account();
    const { key } = await addPasskey(jar);
    const response = await signIn(key.assert(await signInOptions(), { userVerified: false }));
    expect(response.status, await response.clone().text()).toBe(200);
    const fresh = new CookieJar();
    fresh.store(response);
    expect(decodeJwt(fresh.get("access_token")!).amr).toEqual(["hwk"]);
    expect((await whoIs(fresh)).email).toBe(email);
  });

  it("refuses a replayed assertion (the challenge is spent) and starts no session", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const assertion = key.assert(await signInOptions());
    expect((await signIn(assertion)).status).toBe(200);
    const before = await sessionCount();
    await refusal(await signIn(assertion), 400, "invalid_challenge");
    expect(await sessionCount()).toBe(before);
  });

  it("admits exactly one of a concurrent burst answering one challenge", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar, new SoftPasskey(server.origin, { countsSignatures: false }));
    const options = await signInOptions();
    const before = await sessionCount();
    const responses = await Promise.all(Array.from({ length: 6 }, () => signIn(key.assert(options))));
    const statuses = responses.map((r) => r.status).sort();
    expect(statuses).toEqual([200, 400, 400, 400, 400, 400]);
    expect(await sessionCount()).toBe(before + 1);
  });

  it("refuses an expired challenge", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const options = await signInOptions();
    // Five minutes cannot be waited for: the challenge's row is aged instead.
    await server.db.webauthnChallenge.updateMany({
      where: { purpose: "authentication", usedAt: null },
      data: { expiresAt: new Date(Date.now() - 1000) },
    });
    await refusal(await signIn(key.assert(options)), 400, "invalid_challenge");
  });

  it("refuses a registration or re-authentication challenge, and an invented one", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const registration = await registrationOptions(jar);
    await refusal(
      await signIn(key.assert({ challenge: registration.challenge, rpId: "127.0.0.1" })),
      400,
      "invalid_challenge",
    );
    await refusal(
      await signIn(key.assert({ challenge: Buffer.alloc(32, 7).toString("base64url"), rpId: "127.0.0.1" })),
      400,
      "invalid_challenge",
    );
  });

  it.each([
    ["a tampered signature", { tamperSignature: true }],
    ["another origin", { origin: "https://evil.example" }],
    ["another port of the same host", { origin: "http://127.0.0.1:1" }],
    ["another RP ID", { rpId: "evil.example" }],
    ["a registration's clientData type", { type: "webauthn.create" }],
  ])("refuses %s with 401 invalid_credential and starts no session", async (_label, tweaks) => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const before = await sessionCount();
    await refusal(await signIn(key.assert(await signInOptions(), tweaks)), 401, "invalid_credential");
    expect(await sessionCount()).toBe(before);
    // The passkey itself still works.
    expect((await signIn(key.assert(await signInOptions()))).status).toBe(200);
  });

  it("refuses a counter that goes backwards or stays (a cloned authenticator)", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    expect((await signIn(key.assert(await signInOptions(), { counter: 5 }))).status).toBe(200);
    await refusal(await signIn(key.assert(await signInOptions(), { counter: 5 })), 401, "invalid_credential");
    await refusal(await signIn(key.assert(await signInOptions(), { counter: 3 })), 401, "invalid_credential");
    const row = await server.db.passkey.findUniqueOrThrow({ where: { credentialId: key.id } });
    expect(row.signCount).toBe(5n);
    expect((await signIn(key.assert(await signInOptions(), { counter: 6 }))).status).toBe(200);
  });

  it("of two clones racing with the same counter, admits one", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const [a, b] = await Promise.all([signInOptions(), signInOptions()]);
    const responses = await Promise.all([signIn(key.assert(a, { counter: 9 })), signIn(key.assert(b, { counter: 9 }))]);
    expect(responses.map((r) => r.status).sort()).toEqual([200, 401]);
  });

  it("accepts authenticators that do not count (always 0), again and again", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar, new SoftPasskey(server.origin, { countsSignatures: false, synced: true }));
    expect((await signIn(key.assert(await signInOptions()))).status).toBe(200);
    expect((await signIn(key.assert(await signInOptions()))).status).toBe(200);
    const event = await server.db.authEvent.findFirst({
      where: { type: "login_succeeded" },
      orderBy: { createdAt: "desc" },
    });
    expect(event?.detail).toBe("passkey (swk, user verified)");
  });

  it("refuses an unknown credential, and a removed one", async () => {
    await refusal(
      await signIn(new SoftPasskey(server.origin).assert(await signInOptions())),
      401,
      "unknown_credential",
    );
    const { jar } = await account();
    const { key, passkey } = await addPasskey(jar);
    expect((await post(jar, `/api/account/passkeys/${passkey.id}`, undefined, "DELETE")).status).toBe(204);
    await refusal(await signIn(key.assert(await signInOptions())), 401, "unknown_credential");
  });

  it("refuses an assertion whose user handle names another account", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    key.userHandle = Buffer.from("someone-else").toString("base64url");
    await refusal(await signIn(key.assert(await signInOptions())), 401, "invalid_credential");
  });

  it("refuses malformed bodies with 400 and starts no session", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    const good = key.assert(await signInOptions());
    const before = await sessionCount();
    for (const body of [
      {},
      { response: "x" },
      { response: { ...good, response: { ...good.response, signature: "" } } },
      { response: { ...good, id: "a".repeat(2000) } },
      { response: { ...good, response: { ...good.response, clientDataJSON: "%%%" } } },
    ]) {
      const response = await post(null, "/api/auth/passkey", body);
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe("invalid_request");
    }
    const form = await fetch(`${server.url}/api/auth/passkey`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "response=x",
    });
    expect(form.status).toBe(400);
    expect(await sessionCount()).toBe(before);
  });
});

describe("renaming and removing", () => {
  it("renames and removes only the caller's own passkeys", async () => {
    const { jar } = await account();
    const { passkey } = await addPasskey(jar, undefined, "Old name");
    const renamed = await post(jar, `/api/account/passkeys/${passkey.id}`, { name: "  Work key  " }, "PATCH");
    expect(renamed.status).toBe(200);
    expect(((await renamed.json()) as { passkey: { name: string } }).passkey.name).toBe("Work key");
    await refusal(
      await post(jar, `/api/account/passkeys/${passkey.id}`, { name: " " }, "PATCH"),
      400,
      "invalid_request",
    );
    // A NUL byte (PostgreSQL refuses it in text): bad input, not a 500.
    await refusal(
      await post(jar, `/api/account/passkeys/${passkey.id}`, { name: "nul\u0000byte" }, "PATCH"),
      400,
      "invalid_request",
    );

    const stranger = await account();
    await refusal(
      await post(stranger.jar, `/api/account/passkeys/${passkey.id}`, { name: "Mine now" }, "PATCH"),
      404,
      "not_found",
    );
    await refusal(
      await post(stranger.jar, `/api/account/passkeys/${passkey.id}`, undefined, "DELETE"),
      404,
      "not_found",
    );
    expect((await server.db.passkey.findUniqueOrThrow({ where: { id: passkey.id } })).name).toBe("Work key");

    expect((await post(jar, `/api/account/passkeys/${passkey.id}`, undefined, "DELETE")).status).toBe(204);
    await refusal(await post(jar, `/api/account/passkeys/${passkey.id}`, undefined, "DELETE"), 404, "not_found");
    await refusal(await post(jar, `/api/account/passkeys/%00%2F..`, undefined, "DELETE"), 404, "not_found");
    await refusal(await post(jar, `/api/account/passkeys/%00`, { name: "x" }, "PATCH"), 404, "not_found");
  });

  it("passkeys die with their account", async () => {
    const { jar } = await account();
    const { passkey } = await addPasskey(jar);
    const deleted = await post(jar, "/api/account", { password: "a passkey test password" }, "DELETE");
    expect(deleted.status).toBe(204);
    expect(await server.db.passkey.findUnique({ where: { id: passkey.id } })).toBeNull();
  });
});

describe("re-authenticating (step-up) with a passkey", () => {
  const sessionOf = (jar: CookieJar) => decodeJwt(jar.get("access_token")!).sid as string;
  // As if the sign-in had happened ten hours ago: older than REAUTH_MAX_AGE_SECONDS.
  const ageAuthentication = (jar: CookieJar) =>
    server.db.session.update({
      where: { id: sessionOf(jar) },
      data: { authenticatedAt: new Date(Date.now() - 36_000_000) },
    });
  const authenticatedAt = async (jar: CookieJar) =>
    (await server.db.session.findUniqueOrThrow({ where: { id: sessionOf(jar) } })).authenticatedAt.getTime();

  async function reauthOptions(jar: CookieJar) {
    const response = await post(jar, "/api/auth/reauth/options");
    expect(response.status, await response.clone().text()).toBe(200);
    return (await response.json()) as RequestOptions & { allowCredentials: { id: string }[] };
  }
  const reauth = (jar: CookieJar, response: unknown) => post(jar, "/api/auth/reauth", { method: "passkey", response });

  it("refreshes the step-up: the sensitive action goes through, amr says how", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    await ageAuthentication(jar);
    await refusal(await post(jar, "/api/sessions/revoke-others"), 403, "reauthentication_required");

    const options = await reauthOptions(jar);
    // Only this account's passkeys are offered.
    expect(options.allowCredentials.map((c) => c.id)).toEqual([key.id]);
    const response = await reauth(jar, key.assert(options));
    expect(response.status, await response.clone().text()).toBe(200);
    expect(await response.json()).toEqual({
      authTime: expect.any(String),
      amr: ["hwk", "user", "mfa"],
      stepUpExpiresAt: expect.any(String),
    });
    jar.store(response);
    expect(decodeJwt(jar.get("access_token")!).amr).toEqual(["hwk", "user", "mfa"]);
    expect(Date.now() - (await authenticatedAt(jar))).toBeLessThan(60_000);
    expect((await post(jar, "/api/sessions/revoke-others")).status).toBe(200);
    const event = await server.db.authEvent.findFirst({
      where: { type: "reauthenticated" },
      orderBy: { createdAt: "desc" },
    });
    expect(event?.detail).toBe("hwk user mfa");
  });

  it("refuses another account's passkey, and changes nothing", async () => {
    const mine = await account();
    await addPasskey(mine.jar);
    const stranger = await account();
    const { key: theirs } = await addPasskey(stranger.jar);
    await ageAuthentication(mine.jar);
    const before = await authenticatedAt(mine.jar);
    await refusal(await reauth(mine.jar, theirs.assert(await reauthOptions(mine.jar))), 401, "unknown_credential");
    expect(await authenticatedAt(mine.jar)).toBe(before);
    await refusal(await post(mine.jar, "/api/sessions/revoke-others"), 403, "reauthentication_required");
  });

  it("refuses a replayed assertion, a sign-in challenge, another session's challenge and an invented one", async () => {
    const { email, jar } = await account();
    const { key } = await addPasskey(jar);
    await ageAuthentication(jar);
    const assertion = key.assert(await reauthOptions(jar));
    const first = await reauth(jar, assertion);
    expect(first.status).toBe(200);
    jar.store(first);
    await ageAuthentication(jar);
    const before = await authenticatedAt(jar);
    await refusal(await reauth(jar, assertion), 400, "invalid_challenge");
    await refusal(await reauth(jar, key.assert(await signInOptions())), 400, "invalid_challenge");
    const otherSession = (await login(server.url, { email, password: "a passkey test password" })).jar;
    await refusal(await reauth(jar, key.assert(await reauthOptions(otherSession))), 400, "invalid_challenge");
    await refusal(
      await reauth(jar, key.assert({ challenge: Buffer.alloc(32, 9).toString("base64url"), rpId: "127.0.0.1" })),
      400,
      "invalid_challenge",
    );
    expect(await authenticatedAt(jar)).toBe(before);
    // And a re-authentication challenge does not sign anybody in.
    await refusal(await signIn(key.assert(await reauthOptions(jar))), 400, "invalid_challenge");
  });

  it("refuses a tampered signature with 401 invalid_credential", async () => {
    const { jar } = await account();
    const { key } = await addPasskey(jar);
    await refusal(
      await reauth(jar, key.assert(await reauthOptions(jar), { tamperSignature: true })),
      401,
      "invalid_credential",
    );
  });

  it("has no options for an account without passkeys, nor for a caller who is not signed in", async () => {
    const { jar } = await account();
    await refusal(await post(jar, "/api/auth/reauth/options"), 409, "no_passkeys");
    expect(await server.db.webauthnChallenge.count({ where: { sessionId: sessionOf(jar) } })).toBe(0);
    expect((await post(null, "/api/auth/reauth/options")).status).toBe(401);
    expect((await post(null, "/api/auth/reauth", { method: "passkey", response: {} })).status).toBe(401);
  });

  it("refuses a malformed passkey answer with 400 invalid_request", async () => {
    const { jar } = await account();
    await refusal(await reauth(jar, { id: "x" }), 400, "invalid_request");
    await refusal(await post(jar, "/api/auth/reauth", { method: "passkey" }), 400, "invalid_request");
  });
});

describe("throttling failed assertions (the password throttle class)", () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startServer({ RATE_LIMIT_LOGIN_PER_IP: "5/900", RATE_LIMIT_PASSKEY_OPTIONS_PER_IP: "40/600" });
  });
  afterAll(() => limited?.stop());

  const options = async () =>
    (await (await fetch(`${limited.url}/api/auth/passkey/options`, { method: "POST" })).json()) as RequestOptions;
  const attempt = (response: unknown) =>
    fetch(`${limited.url}/api/auth/passkey`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ response }),
    });

  it("answers 429 to a concurrent burst of forged assertions once the address's budget is spent", async () => {
    const forged = await Promise.all(
      Array.from({ length: 12 }, async () => new SoftPasskey(limited.origin).assert(await options())),
    );
    const responses = await Promise.all(forged.map(attempt));
    const statuses = responses.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 401),
      statuses.join(),
    ).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(7);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(Number(throttled.headers.get("retry-after"))).toBeGreaterThan(0);
    // The password sign-in from this address is throttled too: one budget.
    const password = await login(limited.url, { email: "demo@example.com", password: "wrong password" });
    expect(password.response.status).toBe(429);
  });

  it("limits sign-in options per address", async () => {
    let last = 0;
    for (let i = 0; i < 45 && last !== 429; i++) {
      last = (await fetch(`${limited.url}/api/auth/passkey/options`, { method: "POST" })).status;
    }
    expect(last).toBe(429);
  });
});
