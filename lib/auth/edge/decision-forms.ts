// The signed-in user's decision forms (OAuth consent, device approval) post to APIs
// behind the gate. A page left open past the access-token lifetime posts with an expired
// (by then absent) access cookie, and a form navigation cannot follow a 401: the user
// would see raw JSON and lose the request. So a browser's form navigation is answered
// with a 303 through the refresh route, back to the same decision page, rebuilt from the
// form's own fields. Edge-safe.
import { MAX_BODY_BYTES } from "@/lib/http/body";

type PageFor = (form: URLSearchParams) => string;

// Keyed by the gate's normalised path. Every field but the decision is the page's query.
const DECISION_PAGES = new Map<string, PageFor>([
  [
    "/api/oauth/authorize",
    (form) => {
      form.delete("decision");
      return `/oauth/authorize?${form}`;
    },
  ],
  [
    "/api/oauth/device",
    (form) => {
      // The ticket (the counted lookup already paid for this code and session) brings the
      // user back to the approval itself; the session is the same after the refresh.
      const code = form.get("user_code");
      const ticket = form.get("ticket");
      if (!code) return "/device";
      return `/device?${new URLSearchParams({ user_code: code, ...(ticket ? { ticket } : {}) })}`;
    },
  ],
]);

/**
 * A top-level form post a browser navigates with, not a fetch or an API client. Fetch
 * metadata says so directly; a browser without it is recognised by asking for HTML.
 * Never a request with an Authorization header: API clients keep their 401.
 */
function isFormNavigation(request: Request): boolean {
  if (request.method !== "POST" || request.headers.has("authorization")) return false;
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") return false;
  const mode = request.headers.get("sec-fetch-mode");
  if (mode !== null) return mode === "navigate";
  return (request.headers.get("accept") ?? "").includes("text/html");
}

/**
 * Where to send a browser whose decision form arrived without a valid access token: the
 * decision page, for the refresh route's `next`. Null for anything else (then the caller
 * answers the API's 401). Reads the body, so call it only when answering the request.
 */
export async function decisionPageAfterRefresh(request: Request, path: string): Promise<string | null> {
  const pageFor = DECISION_PAGES.get(path);
  if (!pageFor || !isFormNavigation(request)) return null;
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) return null;
  const text = await request.text();
  if (text.length > MAX_BODY_BYTES) return null;
  return pageFor(new URLSearchParams(text));
}
