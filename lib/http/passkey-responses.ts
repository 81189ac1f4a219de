// How the passkey routes answer a refused ceremony: one place, so sign-in, registration
// and re-authentication say the same thing for the same failure.
import type { NextResponse } from "next/server";
import type { CeremonyFailure } from "@/lib/auth/passkeys/failures";
import { jsonError } from "./responses";

/** Bodies of the passkey routes: an attestation object is larger than other routes' bodies. */
export const MAX_PASSKEY_BODY_BYTES = 32 * 1024;

export function passkeyRefused(failure: CeremonyFailure, ceremony: "registration" | "assertion"): NextResponse {
  switch (failure.error) {
    case "invalid_challenge":
      return jsonError(
        400,
        "invalid_challenge",
        "This passkey request expired or was answered already. Start again to get a new one.",
      );
    case "unknown_credential":
      return jsonError(401, "unknown_credential", "This passkey is not registered here (it may have been removed).");
    case "passkey_exists":
      return jsonError(409, "passkey_exists", "This passkey is already added to an account.");
    case "invalid_credential":
      // An answer to a registration is bad input; a refused assertion is a failed sign-in.
      return jsonError(
        ceremony === "registration" ? 400 : 401,
        "invalid_credential",
        `The passkey was refused: ${failure.reason}.`,
      );
  }
}

export const browserSessionRequired = (): NextResponse =>
  jsonError(403, "browser_session_required", "Passkeys can only be added or changed from a signed-in browser.");
