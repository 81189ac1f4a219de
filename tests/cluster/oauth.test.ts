// The OAuth state across two instances on one PostgreSQL database: a DPoP proof, an
// authorization code and a device code are each good once, whichever instance sees them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startInstances, type Instances } from "../support/cluster";
import { DEMO } from "../support/database";
import { login, withCookies } from "../support/http";
import { authorize, CLIENT_ID, dpopKey, form, pkce, registerDemoClients } from "../support/oauth";
import type { TestServer } from "../support/server";

const APP_URL = "http://app.cluster.test";
const env = { APP_URL, DATABASE_POOL_SIZE: "5", RATE_LIMIT_LOGIN_PER_IP: "1000000/60" };
const REDIRECT = "http://127.0.0.1:8765/callback";

let cluster: Instances;
beforeAll(async () => {
  cluster = await startInstances(env, { beforeStart: registerDemoClients });
});
afterAll(() => cluster?.stop());

type TokenBody = { access_token: string; refresh_token: string; token_type: string };

async function codeOn(server: TestServer) {
  const { verifier, challenge } = pkce();
  const { jar } = await login(server.url, DEMO);
  const redirect = await authorize(server.url, { challenge, redirectUri: REDIRECT, origin: APP_URL }, jar);
  return {
    grant_type: "authorization_code",
    client_id: CLIENT_ID,
    code: redirect.searchParams.get("code")!,
    code_verifier: verifier,
    redirect_uri: REDIRECT,
  };
}

describe("OAuth on two instances", () => {
  it("one DPoP proof sent to both instances at once: exactly one is accepted", async () => {
    const key = await dpopKey();
    const tokenProof = await key.proof("POST", `${APP_URL}/api/oauth/token`);
    const issued = await form(`${cluster.a.url}/api/oauth/token`, await codeOn(cluster.a), { dpop: tokenProof });
    const { access_token } = (await issued.json()) as TokenBody;
    const proof = await key.proof("GET", `${APP_URL}/api/me`, { accessToken: access_token });
    const headers = { authorization: `DPoP ${access_token}`, dpop: proof };
    const statuses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        fetch(`${(i % 2 ? cluster.a : cluster.b).url}/api/me`, { headers }).then((r) => r.status),
      ),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 401)).toHaveLength(19);
  });

  it("one authorization code redeemed on both instances at once: one wins, the replay revokes its session", async () => {
    const params = await codeOn(cluster.b);
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => form(`${(i % 2 ? cluster.a : cluster.b).url}/api/oauth/token`, params)),
    );
    const statuses = responses.map((r) => r.status);
    // At most one wins (none, when a replay overtook the winner before it recorded its
    // session: then the winner revokes its own tokens and fails too).
    expect(statuses.filter((s) => s === 200).length).toBeLessThanOrEqual(1);
    expect(statuses.filter((s) => s === 400).length).toBeGreaterThanOrEqual(9);
    // RFC 6749 §4.1.2: the replays revoke what the code gave, whichever finished first.
    const session = await cluster.database.db.session.findFirstOrThrow({
      where: { clientId: CLIENT_ID },
      orderBy: { createdAt: "desc" },
    });
    expect(session.revokedReason).toBe("refresh_token_reused");
  });

  it("device code started on A, approved on B, polled on both at once: tokens are issued once", async () => {
    const started = await form(`${cluster.a.url}/api/oauth/device_authorization`, { client_id: CLIENT_ID });
    const { device_code, user_code } = (await started.json()) as { device_code: string; user_code: string };
    const { jar } = await login(cluster.b.url, DEMO);
    const approved = await fetch(
      `${cluster.b.url}/api/oauth/device`,
      withCookies(jar, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", origin: APP_URL },
        body: new URLSearchParams({ user_code, decision: "approve" }),
      }),
    );
    expect(approved.headers.get("location")).toContain("result=approved");
    const params = { grant_type: "urn:ietf:params:oauth:grant-type:device_code", client_id: CLIENT_ID, device_code };
    const responses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => form(`${(i % 2 ? cluster.a : cluster.b).url}/api/oauth/token`, params)),
    );
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { error?: string }[];
    expect(responses.filter((r) => r.status === 200)).toHaveLength(1);
    // The others were too fast (slow_down) or came after the code was spent.
    for (const body of bodies.filter((x) => x.error)) expect(["slow_down", "invalid_grant"]).toContain(body.error);
  });
});
