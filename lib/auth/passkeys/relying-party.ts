import "server-only";
import { getConfig } from "../../config";

// Who we are to an authenticator (docs/decisions/0021-passkeys.md). The RP ID is the host
// of APP_URL, and the only origin whose ceremonies we accept is APP_URL's: a passkey made
// for this app is then offered by the browser on this host only, and an answer collected
// on any other page (a phishing copy, another port) names another origin and is refused.
// Browsers refuse IP addresses as RP IDs: open the app on a host name (localhost in
// development).

export const RP_NAME = "Token Auth Reference";

export type RelyingParty = { rpID: string; rpName: string; origin: string };

export function relyingParty(): RelyingParty {
  const { appOrigin } = getConfig();
  return { rpID: new URL(appOrigin).hostname, rpName: RP_NAME, origin: appOrigin };
}
