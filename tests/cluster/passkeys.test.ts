// Passkeys on two instances over one PostgreSQL database (issue 23): a challenge issued
// by one instance is answered at the other, spent for both, and of two answers sent to
// both instances at once only one signs in. The counters are shared too.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstances, type Instances } from "../support/cluster";
import { DEMO } from "../support/database";
import { login } from "../support/http";
import { SoftPasskey, type CreationOptions, type RequestOptions } from "../support/webauthn";

const ORIGIN = "http://app.cluster.test";
const UNLIMITED = "1000000/60";

let cluster: Instances;
beforeAll(async () => {
  cluster = await startInstances({
    APP_URL: ORIGIN,
    RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
    DATABASE_POOL_SIZE: "5",
  });
});
afterAll(() => cluster?.stop());

const post = (url: string, body?: unknown, cookie?: string) =>
  fetch(url, {
    method: "POST",
    headers: { ...(body === undefined ? {} : { "content-type": "application/json" }), ...(cookie ? { cookie } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function demoPasskey(): Promise<SoftPasskey> {
  const { jar } = await login(cluster.a.url, DEMO);
  // Options from A, the answer to B.
  const options = (await (
    await post(`${cluster.a.url}/api/account/passkeys/options`, undefined, jar.header())
  ).json()) as CreationOptions;
  const key = new SoftPasskey(ORIGIN);
  const added = await post(`${cluster.b.url}/api/account/passkeys`, { response: key.register(options) }, jar.header());
  expect(added.status, await added.clone().text()).toBe(201);
  return key;
}

const signInOptions = async (url: string) =>
  (await (await post(`${url}/api/auth/passkey/options`)).json()) as RequestOptions;

describe("passkeys on two instances", () => {
  it("a challenge from A is answered at B, and spent for A too", async () => {
    const key = await demoPasskey();
    const assertion = key.assert(await signInOptions(cluster.a.url));
    expect((await post(`${cluster.b.url}/api/auth/passkey`, { response: assertion })).status).toBe(200);
    const replay = await post(`${cluster.a.url}/api/auth/passkey`, { response: assertion });
    expect(replay.status).toBe(400);
    expect(((await replay.json()) as { error: string }).error).toBe("invalid_challenge");
  });

  it("of answers to one challenge sent to both instances at once, one signs in", async () => {
    const key = await demoPasskey();
    const options = await signInOptions(cluster.b.url);
    const before = await cluster.database.db.session.count();
    const responses = await Promise.all(
      [cluster.a, cluster.b, cluster.a, cluster.b].map((instance) =>
        post(`${instance.url}/api/auth/passkey`, { response: key.assert(options) }),
      ),
    );
    expect(responses.map((r) => r.status).sort()).toEqual([200, 400, 400, 400]);
    expect(await cluster.database.db.session.count()).toBe(before + 1);
  });

  it("a counter seen by A is known to B", async () => {
    const key = await demoPasskey();
    const first = key.assert(await signInOptions(cluster.a.url), { counter: 40 });
    expect((await post(`${cluster.a.url}/api/auth/passkey`, { response: first })).status).toBe(200);
    const clone = key.assert(await signInOptions(cluster.b.url), { counter: 40 });
    expect((await post(`${cluster.b.url}/api/auth/passkey`, { response: clone })).status).toBe(401);
  });
});
