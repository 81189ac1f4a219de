// Where to send the user after sign-in or refresh: a path on this site, nothing else.
// Edge-safe.
import { getConfig } from "@/lib/config";

const FALLBACK = "/dashboard";
const MAX_LENGTH = 2048;
// Control characters are stripped by URL parsers (so "/\t/evil.com" becomes
// "//evil.com"), and browsers read "\" as "/" in http(s) URLs.
const UNSAFE_CHARACTERS = /[\u0000-\u001f\u007f\\]/;

/**
 * Is `path` something a browser resolves to this site's origin, exactly as written? A
 * same-origin absolute path: one leading "/" (never "//" or "/\", which browsers read as
 * a protocol-relative URL to another host), no character a URL parser would drop or
 * reinterpret, and a fixed point of URL parsing against APP_URL, so no later
 * normalisation (dot segments, encodings) can turn it into something else.
 */
export function isSameOriginPath(path: string): boolean {
  if (!path.startsWith("/") || path.startsWith("//") || UNSAFE_CHARACTERS.test(path)) return false;
  const origin = getConfig().appOrigin;
  let resolved: URL;
  try {
    resolved = new URL(path, origin);
  } catch {
    return false;
  }
  return resolved.origin === origin && `${resolved.pathname}${resolved.search}${resolved.hash}` === path;
}

/**
 * The same-origin path to go to next, or the fallback.
 *
 * Class of bug closed here: *validate what you return, not what you received*. Checking
 * the raw input and then returning its normalised form let "/.//evil.com", "/%2e//",
 * "/a/..//" normalise into "//evil.com" after the check. Whatever encoding, dot segment,
 * slash or backslash trick goes in, the value returned is the one that was checked.
 */
export function safeNextPath(value: unknown, fallback = FALLBACK): string {
  if (typeof value !== "string" || value.length === 0 || value.length > MAX_LENGTH) return fallback;
  if (!value.startsWith("/") || UNSAFE_CHARACTERS.test(value)) return fallback;
  const origin = getConfig().appOrigin;
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return fallback;
  }
  // "//evil.com" names another host outright: refused, not reduced to that host's "/".
  if (url.origin !== origin) return fallback;
  const candidate = `${url.pathname}${url.search}${url.hash}`;
  return isSameOriginPath(candidate) ? candidate : fallback;
}
