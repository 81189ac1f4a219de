// The second factor on two instances over one PostgreSQL database (issue 23): what one
// instance records, the other knows. An authenticator app set up at A is confirmed at B;
// a sign-in begun at A is finished at B; a code or a recovery code used at one instance
// is spent at the other; and of one code sent through both instances at once, one signs in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashPassword } from "@/lib/auth/password";
import { startInstances, type Instances } from "../support/cluster";
import { CookieJar, login, withCookies } from "../support/http";
import { awayFromStepBoundary, codeAt } from "../support/totp";

const PASSWORD = "the right password";
const UNLIMITED = "1000000/60";

let cluster: Instances;
beforeAll(async () => {
  cluster = await startInstances({
    APP_URL: "http://app.cluster.test",
    RATE_LIMIT_LOGIN_PER_IP: UNLIMITED,
    RATE_LIMIT_LOGIN_PER_ACCOUNT: UNLIMITED,
    DATABASE_POOL_SIZE: "5",
  });
});
afterAll(() => cluster?.stop());

const post = (url: string, jar: CookieJar, body?: unknown) =>
  fetch(
    url,
    withCookies(jar, {
      method: "POST",
      headers: { "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    }),
  );

let count = 0;
/** A new account with an authenticator app: enrolled at A, confirmed at B. */
async function userWithTotp() {
  await awayFromStepBoundary();
  const email = `cluster-totp-${++count}-${Date.now()}@example.com`;
  await cluster.database.db.user.create({ data: { email, passwordHash: await hashPassword(PASSWORD, 4) } });
  const { jar } = await login(cluster.a.url, { email, password: PASSWORD });
  const enrol = await post(`${cluster.a.url}/api/account/totp`, jar);
  expect(enrol.status).toBe(200);
  const { secret } = (await enrol.json()) as { secret: string };
  // The previous step's code, so that the current one is still unused.
  const confirm = await post(`${cluster.b.url}/api/account/totp/confirm`, jar, { code: codeAt(secret, -30) });
  expect(confirm.status, await confirm.clone().text()).toBe(200);
  const { recoveryCodes } = (await confirm.json()) as { recoveryCodes: string[] };
  return { email, secret, recoveryCodes };
}

/** The password step of a sign-in at `url`: 202 and the pending sign-in's cookie. */
async function pendingSignIn(url: string, email: string): Promise<CookieJar> {
  const { response, jar } = await login(url, { email, password: PASSWORD });
  expect(response.status).toBe(202);
  return jar;
}

const finish = async (url: string, jar: CookieJar, method: "totp" | "recovery_code", code: string) =>
  (await post(`${url}/api/auth/mfa`, jar, { method, code })).status;

describe("a second factor on two instances", () => {
  it("set up at A and confirmed at B; a sign-in begun at A is finished at B, and its code is spent at A", async () => {
    const { email, secret } = await userWithTotp();
    const code = codeAt(secret);
    expect(await finish(cluster.b.url, await pendingSignIn(cluster.a.url, email), "totp", code)).toBe(200);
    expect(await finish(cluster.a.url, await pendingSignIn(cluster.a.url, email), "totp", code)).toBe(401);
  });

  it("a recovery code used at A is refused at B", async () => {
    const { email, recoveryCodes } = await userWithTotp();
    const code = recoveryCodes[0]!;
    expect(await finish(cluster.a.url, await pendingSignIn(cluster.a.url, email), "recovery_code", code)).toBe(200);
    expect(await finish(cluster.b.url, await pendingSignIn(cluster.b.url, email), "recovery_code", code)).toBe(401);
  });

  it("one code sent through both instances at once over six pending sign-ins starts exactly one session", async () => {
    const { email, secret } = await userWithTotp();
    const instances = [cluster.a, cluster.b, cluster.a, cluster.b, cluster.a, cluster.b];
    const pendings = await Promise.all(instances.map((instance) => pendingSignIn(instance.url, email)));
    const user = await cluster.database.db.user.findUniqueOrThrow({ where: { email } });
    const before = await cluster.database.db.session.count({ where: { userId: user.id } });
    const code = codeAt(secret);
    // Each pending sign-in is finished at the other instance than the one that began it.
    const statuses = await Promise.all(
      pendings.map((jar, i) => finish(instances[(i + 1) % instances.length]!.url, jar, "totp", code)),
    );
    expect(statuses.sort()).toEqual([200, 401, 401, 401, 401, 401]);
    expect(await cluster.database.db.session.count({ where: { userId: user.id } })).toBe(before + 1);
  });
});
