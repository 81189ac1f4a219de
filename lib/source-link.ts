// The home page names the files behind each step of the flow. When package.json names the
// repository (npm's `repository` field), each name links to that file's page there; a copy
// without one shows the bare paths rather than links to nowhere. package.json is read at
// build time, so a fork that sets its own `repository` links to its own code.

/** The branch whose files the links show. */
const BRANCH = "main";

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null;

/**
 * Where the repository's files are on the web (`https://host/owner/name/blob/main`, plus
 * the package's `directory` in a monorepo), or null when package.json names none that a
 * browser can open.
 */
export function repositorySourceBase(manifest: object): string | null {
  const repository = "repository" in manifest ? manifest.repository : undefined;
  const raw = typeof repository === "string" ? repository : isRecord(repository) ? repository.url : undefined;
  if (typeof raw !== "string") return null;
  let url: URL;
  try {
    url = new URL(raw.replace(/^git\+/, ""));
  } catch {
    return null; // "github:owner/name" shorthands and scp-style "git@host:owner/name" land here too
  }
  // Only a web page is worth a link: no git:, ssh: or javascript: addresses, and no
  // credentials or query that a build would publish on every page.
  if (url.protocol !== "https:" || url.username || url.password || url.search || url.hash) return null;
  const project = url.pathname.replace(/\/+$/, "").replace(/\.git$/, "");
  if (!project || project === "/") return null;

  const directory = isRecord(repository) && typeof repository.directory === "string" ? repository.directory : "";
  const segments = directory.split("/").filter(Boolean);
  if (segments.some((segment) => segment === "." || segment === "..")) return null;
  return [`${url.origin}${project}`, "blob", BRANCH, ...segments.map(encodeURIComponent)].join("/");
}

/** The web page of one file of the repository, or null when there is no base to link to. */
export function sourceFileUrl(base: string | null, file: string): string | null {
  if (!base) return null;
  return `${base}/${file.split("/").map(encodeURIComponent).join("/")}`;
}
