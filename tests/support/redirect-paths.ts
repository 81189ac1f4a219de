// The family of `next` values that try to leave the site: a table of known tricks and a
// seeded generator of random paths built from the pieces those tricks are made of.
import { prng } from "./prng";

/** Known ways to smuggle another host through a path check. */
export const REDIRECT_TRICKS: readonly string[] = [
  "//evil.com",
  "/\\evil.com",
  "/\\/evil.com",
  "/.//evil.com",
  "/..//evil.com",
  "/a/..//evil.com",
  "/a/b/../..//evil.com",
  "/././/evil.com",
  "/%2e//evil.com",
  "/%2E//evil.com",
  "/%2e%2e//evil.com",
  "/a/%2e%2e//evil.com",
  "/.%2e//evil.com",
  "/%2f/evil.com",
  "/%2f%2fevil.com",
  "/%5cevil.com",
  "/%5c%5cevil.com",
  "/.\\/evil.com",
  "/\t/evil.com",
  "/\n/evil.com",
  "/\r/evil.com",
  "/\u0000/evil.com",
  "/\u007f/evil.com",
  " //evil.com",
  "\t//evil.com",
  "https://evil.com",
  "http:evil.com",
  "//evil.com/%2e%2e",
  "/.//evil.com/path?x=1#frag",
  "/..//evil.com@app",
  "/a/.././/evil.com",
  "/..%2f/evil.com",
  "/%252e//evil.com",
];

const PIECES = [
  "/",
  "\\",
  ".",
  "%2e",
  "%2E",
  "%2f",
  "%2F",
  "%5c",
  "%5C",
  "\t",
  "\n",
  "\r",
  "\u0000",
  "\u001f",
  "\u007f",
  "a",
  "evil.com",
  "@",
  "?",
  "#",
];

// The random paths are seeded, so a failing case can be replayed with REDIRECT_SEED.
export const REDIRECT_SEED = Number(process.env.REDIRECT_SEED ?? Date.now() % 1_000_000);

/** `count` random paths, most starting with "/" (the ones a naive check lets in). */
export function randomRedirectPaths(count: number, seed = REDIRECT_SEED): string[] {
  const random = prng(seed);
  const paths: string[] = [];
  for (let i = 0; i < count; i++) {
    const length = 1 + Math.floor(random() * 8);
    let path = random() < 0.9 ? "/" : "";
    for (let j = 0; j < length; j++) path += PIECES[Math.floor(random() * PIECES.length)];
    paths.push(random() < 0.5 ? `${path}evil.com` : path);
  }
  return paths;
}

/**
 * The oracle, independent of the code under test: does `target` land on `appOrigin`
 * when a browser follows it from a page of the app (as a Location header, or as the
 * `next` the login page hands to location.assign)?
 */
export function landsOnOrigin(target: string, appOrigin: string): boolean {
  for (const base of [appOrigin, `${appOrigin}/login`, `${appOrigin}/api/auth/refresh`]) {
    let url: URL;
    try {
      url = new URL(target, base);
    } catch {
      return false;
    }
    if (url.origin !== appOrigin) return false;
  }
  return true;
}
