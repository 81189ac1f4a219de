import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { DecisionForm } from "@/components/decision-form";
import { checkAuthorizeRequest, type RawParams } from "@/lib/auth/oauth/authorize-request";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";

export const metadata: Metadata = { title: "Authorize an application" };

// What each scope lets the application do, in the user's words. A Map: the scope comes
// from the request, and an object literal would answer "constructor" with what it inherits.
const SCOPE_TEXT = new Map<string, string>([["account", "See your account and its sessions, and act on them as you"]]);

export default async function AuthorizePage({ searchParams }: { searchParams: Promise<RawParams> }) {
  const raw = await searchParams;
  const current = await getCurrentSession();
  if (!current) {
    const query = new URLSearchParams(
      Object.entries(raw).flatMap(([k, v]) => (v === undefined ? [] : [v].flat().map((x): [string, string] => [k, x]))),
    );
    redirect(`/login?${new URLSearchParams({ next: `/oauth/authorize?${query}` })}`);
  }
  const check = await checkAuthorizeRequest(getDb(), raw);
  if (!check.ok && "redirectTo" in check) redirect(check.redirectTo);
  if (!check.ok) {
    return (
      <>
        <h1>This request cannot be completed</h1>
        <p role="alert">{check.show}</p>
      </>
    );
  }
  const { client, redirectUri, state, codeChallenge, scope } = check.request;
  return (
    <>
      <h1>Allow {client.name} to use your account?</h1>
      <p>
        Signed in as <strong>{current.user.email}</strong>. <strong>{client.name}</strong> asks to:
      </p>
      <ul>
        {scope.split(" ").map((s) => (
          <li key={s}>{SCOPE_TEXT.get(s) ?? s}</li>
        ))}
      </ul>
      <p>
        You will return to <code>{redirectUri}</code>. You can end its access any time on the sessions page.
      </p>
      <DecisionForm
        action="/api/oauth/authorize"
        fields={{
          client_id: client.id,
          redirect_uri: redirectUri,
          response_type: "code",
          code_challenge: codeChallenge,
          code_challenge_method: "S256",
          scope,
          state,
        }}
      />
    </>
  );
}
