import type { ClientInfo } from "../auth/audit";
import { getConfig } from "../config";

const MAX_USER_AGENT_LENGTH = 512;

// Next.js fills x-forwarded-for from the socket only when the client did not send one,
// so without a configured proxy that header is attacker-controlled and is not used.
function clientIp(headers: Headers): string | null {
  const header = getConfig().trustProxyHeader;
  if (!header) return null;
  // The right-most entry is the one our own proxy appended.
  const hops = (headers.get(header) ?? "").split(",").map((s) => s.trim()).filter(Boolean);
  return hops.at(-1)?.slice(0, 64) ?? null;
}

export function clientInfo(request: Request): ClientInfo {
  return {
    ip: clientIp(request.headers),
    userAgent: request.headers.get("user-agent")?.slice(0, MAX_USER_AGENT_LENGTH) ?? null,
  };
}
