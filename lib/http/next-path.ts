// Where to send the user after sign-in or refresh: a path on this site, nothing else.
// Edge-safe.
const FALLBACK = "/dashboard";
const PLACEHOLDER_ORIGIN = "http://same-origin.invalid";

export function safeNextPath(value: unknown, fallback = FALLBACK): string {
  if (typeof value !== "string" || value.length === 0 || value.length > 2048) return fallback;
  // "//evil.com" and "/\evil.com" are protocol-relative URLs to browsers; control
  // characters are stripped by URL parsers and can turn "/\t/evil.com" into one.
  if (!value.startsWith("/") || value.startsWith("//") || value.includes("\\")) return fallback;
  if (/[\u0000-\u001f\u007f]/.test(value)) return fallback;
  const url = new URL(value, PLACEHOLDER_ORIGIN);
  if (url.origin !== PLACEHOLDER_ORIGIN) return fallback;
  return `${url.pathname}${url.search}${url.hash}`;
}
