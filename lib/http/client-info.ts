import type { ClientInfo } from "../auth/client-info";
import { getConfig } from "../config";

const MAX_USER_AGENT_LENGTH = 512;

// Next.js fills x-forwarded-for from the socket only when the client did not send one,
// so that header is believed only when TRUST_PROXY names it. Otherwise the address is
// the socket's, as server.mjs recorded it.
function clientIp(headers: Headers): string | null {
  const { trustProxyHeader, socketAddressHeader } = getConfig();
  if (trustProxyHeader) {
    // The right-most entry is the one our own proxy appended.
    const hops = (headers.get(trustProxyHeader) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
    return hops.at(-1)?.slice(0, 64) ?? null;
  }
  if (socketAddressHeader)
    return (
      headers
        .get(socketAddressHeader)
        ?.replace(/^::ffff:/, "")
        .slice(0, 64) || null
    );
  return null;
}

export function clientInfo(request: { headers: Headers }): ClientInfo {
  return {
    ip: clientIp(request.headers),
    userAgent: request.headers.get("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
  };
}
