// `npm run oauth:client -- --id my-app --name "My App" [--redirect-uri URI]… [--loopback]
// [--grant authorization_code|device_code|refresh_token]…`: registers (or updates) a
// public OAuth client. Without --grant it gets all three. --loopback lets the port of its
// http://127.0.0.1/… and http://[::1]/… redirect URIs vary, and nothing else.
import { parseArgs } from "node:util";
import "../prisma/load-env";
import { GRANT, registerClient, type GrantType } from "../lib/auth/oauth/clients";
import { getConfig } from "../lib/config";
import { createDb } from "../lib/db/client";

const GRANT_NAMES: Record<string, GrantType> = {
  authorization_code: GRANT.authorizationCode,
  device_code: GRANT.deviceCode,
  refresh_token: GRANT.refreshToken,
};

const { values } = parseArgs({
  options: {
    id: { type: "string" },
    name: { type: "string" },
    "redirect-uri": { type: "string", multiple: true, default: [] },
    loopback: { type: "boolean", default: false },
    grant: { type: "string", multiple: true, default: [] },
  },
});

function usage(message: string): never {
  console.error(
    `${message}\nUsage: npm run oauth:client -- --id <client_id> --name <name> [--redirect-uri <uri>]… [--loopback] [--grant authorization_code|device_code|refresh_token]…`,
  );
  process.exit(1);
}

const id = values.id?.trim();
const name = values.name?.trim();
if (!id || !/^[A-Za-z0-9._-]{1,100}$/.test(id)) usage("--id is required: letters, digits, . _ - (at most 100).");
if (!name) usage("--name is required.");
for (const uri of values["redirect-uri"]) {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    usage(`Not a URL: ${uri}`);
  }
  // RFC 6749 §3.1.2: absolute, no fragment; https unless it is a loopback address.
  if (url.hash || (url.protocol !== "https:" && !["127.0.0.1", "[::1]"].includes(url.hostname))) {
    usage(`Redirect URIs must be https (or http on 127.0.0.1 / [::1]) without a fragment: ${uri}`);
  }
}
const grants = values.grant.length > 0 ? values.grant : Object.keys(GRANT_NAMES);
const grantTypes = grants.map((g) => GRANT_NAMES[g] ?? usage(`Unknown grant: ${g}`));
// RFC 8252 §7.3: --loopback lets only the port of a registered loopback URI vary.
const loopbackUris = values["redirect-uri"].filter((uri) => /^http:\/\/(127\.0\.0\.1|\[::1\])[:/]/.test(uri));
if (values.loopback && grantTypes.includes(GRANT.authorizationCode) && loopbackUris.length === 0) {
  usage(
    "--loopback varies the port of a registered loopback redirect URI: add one, e.g. --redirect-uri http://127.0.0.1/callback",
  );
}

const db = createDb(getConfig().databaseUrl);
try {
  await registerClient(db, {
    id,
    name,
    redirectUris: values["redirect-uri"],
    allowLoopback: values.loopback,
    grantTypes,
  });
  console.log(`Registered the public client ${id} (${name}).`);
} finally {
  await db.$disconnect();
}
