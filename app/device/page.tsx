import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DecisionForm } from "@/components/decision-form";
import { findClient } from "@/lib/auth/oauth/clients";
import { findPendingDevice, formatUserCode } from "@/lib/auth/oauth/device-codes";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { headers } from "next/headers";
import { clientInfo } from "@/lib/http/client-info";

export const metadata: Metadata = { title: "Connect a device" };

type SearchParams = Promise<Record<string, string | string[] | undefined>>;

// A Map, not an object literal: the key comes from the URL (see the login page).
const RESULTS = new Map<string, string>([
  ["approved", "Done: the device is signed in. You can go back to it."],
  ["denied", "Denied: the device was not signed in."],
  ["expired", "That code is no longer valid. Start again on the device."],
]);

function CodeForm({ error }: { error?: string }) {
  return (
    <form method="get" action="/device">
      <label htmlFor="user_code">Code shown on your device</label>{" "}
      <input
        id="user_code"
        name="user_code"
        type="text"
        autoComplete="off"
        autoCapitalize="characters"
        spellCheck={false}
        required
        maxLength={20}
        aria-describedby={error ? "user_code_error" : undefined}
        aria-invalid={error ? true : undefined}
      />{" "}
      <button type="submit">Continue</button>
      {error ? (
        <p id="user_code_error" role="alert">
          {error}
        </p>
      ) : null}
    </form>
  );
}

export default async function DevicePage({ searchParams }: { searchParams: SearchParams }) {
  const params = await searchParams;
  const single = (key: string) => (typeof params[key] === "string" ? params[key] : undefined);
  const current = await getCurrentSession();
  if (!current) redirect(`/login?${new URLSearchParams({ next: "/device" })}`);
  const result = RESULTS.get(single("result") ?? "");
  const input = single("user_code");
  if (result || input === undefined) {
    return (
      <>
        <h1>Connect a device</h1>
        {result ? <p role="status">{result}</p> : <p>Enter the code your device shows.</p>}
        <CodeForm />
      </>
    );
  }
  const db = getDb();
  const lookup = await findPendingDevice(db, input, {
    userId: current.user.id,
    client: clientInfo({ headers: await headers() }),
  });
  if (!lookup.ok) {
    const error =
      lookup.error === "rate_limited"
        ? `Too many wrong codes. Try again in ${lookup.retryAfterSeconds} seconds.`
        : "That code is not valid or has expired. Check it and try again.";
    return (
      <>
        <h1>Connect a device</h1>
        <CodeForm error={error} />
      </>
    );
  }
  const client = await findClient(db, lookup.device.clientId);
  const userCode = formatUserCode(lookup.device.userCode);
  return (
    <>
      <h1>Sign in {client?.name ?? "this device"}?</h1>
      <p>
        Signed in as <strong>{current.user.email}</strong>. <strong>{client?.name}</strong> with the code{" "}
        <code>{userCode}</code> asks to use your account. Approve only if you started this on your own device.
      </p>
      <DecisionForm action="/api/oauth/device" fields={{ user_code: userCode }} />
    </>
  );
}
