// The browser's half of the passkey ceremonies (@simplewebauthn/browser): ask the server
// for options, let the authenticator answer, send the answer back. Outcomes are values,
// so the forms only decide what to show.
import {
  sendSignal,
  startAuthentication,
  startRegistration,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
} from "@simplewebauthn/browser";
import { authFetch } from "./auth-fetch";
import { stepUpFetch } from "./step-up";

export type PasskeyOutcome =
  | { ok: true; body: unknown }
  /** The user closed the browser's dialog, or a newer ceremony replaced this one: say nothing. */
  | { ok: false; cancelled: true }
  | { ok: false; cancelled: false; message: string; error?: string };

const UNREACHABLE = "The server could not be reached. Try again.";

// NotAllowedError: dismissed or timed out; AbortError: replaced by another ceremony
// (the button click cancels the autofill request).
const wasCancelled = (error: unknown) =>
  error instanceof Error && (error.name === "NotAllowedError" || error.name === "AbortError");

// SecurityError: the page's host cannot be an RP ID (an IP address, say).
const ceremonyProblem = (error: unknown) =>
  error instanceof Error && error.name === "SecurityError"
    ? "Passkeys work only when this site is opened by its name (such as localhost), not by an IP address."
    : "This browser could not use a passkey here.";

async function failure(response: Response, fallback: string): Promise<PasskeyOutcome> {
  const body = (await response.json().catch(() => null)) as { error?: string; message?: string } | null;
  return { ok: false, cancelled: false, message: body?.message ?? fallback, error: body?.error };
}

const postJson = (url: string, body?: unknown, send: (url: string, init: RequestInit) => Promise<Response> = fetch) =>
  send(url, {
    method: "POST",
    headers: body === undefined ? {} : { "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/**
 * Sign-in with a passkey. `autofill`: the browser offers the account's passkeys in the
 * email field's suggestions (conditional mediation) and this resolves only when one is
 * picked; otherwise the browser's passkey dialog opens now.
 */
export async function signInWithPasskey(mode: "button" | "autofill"): Promise<PasskeyOutcome> {
  try {
    const options = await postJson("/api/auth/passkey/options");
    if (!options.ok) return failure(options, "Passkey sign-in is not available right now.");
    const optionsJSON = (await options.json()) as PublicKeyCredentialRequestOptionsJSON;
    let response;
    try {
      response = await startAuthentication({ optionsJSON, useBrowserAutofill: mode === "autofill" });
    } catch (error) {
      if (wasCancelled(error)) return { ok: false, cancelled: true };
      return { ok: false, cancelled: false, message: ceremonyProblem(error) };
    }
    const result = await postJson("/api/auth/passkey", { response });
    if (result.ok) return { ok: true, body: await result.json().catch(() => null) };
    const refused = await failure(result, "Sign-in with the passkey failed. Try again.");
    // The passkey was removed from the account: ask the browser to stop offering it.
    if (!refused.ok && !refused.cancelled && refused.error === "unknown_credential" && optionsJSON.rpId) {
      await sendSignal({ signalName: "unknownCredential", rpID: optionsJSON.rpId, credentialID: response.id }).catch(
        () => undefined,
      );
    }
    return refused;
  } catch {
    return { ok: false, cancelled: false, message: UNREACHABLE };
  }
}

/**
 * Adds a passkey to the signed-in account: the browser makes one on the user's
 * authenticator. Both requests need a recent sign-in: the step-up dialog asks for one
 * first when it is too old.
 */
export async function addPasskey(): Promise<PasskeyOutcome> {
  try {
    const options = await postJson("/api/account/passkeys/options", undefined, stepUpFetch);
    if (!options.ok) return failure(options, "A passkey cannot be added right now.");
    const optionsJSON = (await options.json()) as PublicKeyCredentialCreationOptionsJSON;
    let response;
    try {
      response = await startRegistration({ optionsJSON });
    } catch (error) {
      if (wasCancelled(error)) return { ok: false, cancelled: true };
      if (error instanceof Error && error.name === "InvalidStateError") {
        return { ok: false, cancelled: false, message: "This authenticator already holds a passkey for this account." };
      }
      return { ok: false, cancelled: false, message: ceremonyProblem(error) };
    }
    const result = await postJson("/api/account/passkeys", { response }, stepUpFetch);
    if (result.ok) return { ok: true, body: await result.json().catch(() => null) };
    return failure(result, "The passkey could not be added.");
  } catch {
    return { ok: false, cancelled: false, message: UNREACHABLE };
  }
}

/** Step-up with a passkey: the account's own passkeys answer a challenge of this session. */
export async function reauthenticateWithPasskey(): Promise<PasskeyOutcome> {
  try {
    const options = await postJson("/api/auth/reauth/options", undefined, authFetch);
    if (!options.ok) return failure(options, "Confirming with a passkey is not available right now.");
    const optionsJSON = (await options.json()) as PublicKeyCredentialRequestOptionsJSON;
    let response;
    try {
      response = await startAuthentication({ optionsJSON });
    } catch (error) {
      if (wasCancelled(error)) return { ok: false, cancelled: true };
      return { ok: false, cancelled: false, message: ceremonyProblem(error) };
    }
    const result = await postJson("/api/auth/reauth", { method: "passkey", response }, authFetch);
    if (result.ok) return { ok: true, body: await result.json().catch(() => null) };
    return failure(result, "The passkey was refused. Try again.");
  } catch {
    return { ok: false, cancelled: false, message: UNREACHABLE };
  }
}
