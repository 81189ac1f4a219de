// The token lifecycle as the home page tells it: one entry per step, with the files that
// do the work (paths from the repository root, linked to their source when package.json
// names the repository), so a reader can go from the picture straight to the code.
export type FlowStep = {
  id: string;
  title: string;
  text: string;
  files: string[];
  tone?: "danger";
};

export const FLOW_STEPS: FlowStep[] = [
  {
    id: "sign-in",
    title: "Sign in",
    text: "The password is checked with bcrypt, a session row is created with its first refresh token, and two httpOnly cookies are set.",
    files: ["app/api/auth/login/route.ts", "lib/auth/sign-in.ts"],
  },
  {
    id: "access-token",
    title: "Access token",
    text: "A signed JWT that lives minutes. The edge middleware verifies it on every protected request without touching the database.",
    files: ["middleware.ts", "lib/auth/edge/tokens.ts"],
  },
  {
    id: "unauthorized",
    title: "401",
    text: 'Once it expires, an API answers 401 with WWW-Authenticate: Bearer error="invalid_token"; a page navigation is sent through the refresh route instead.',
    files: ["middleware.ts", "lib/http/responses.ts"],
  },
  {
    id: "refresh",
    title: "Refresh",
    text: "The browser's fetch wrapper calls the refresh route once for all waiting requests (and once for all tabs), then retries.",
    files: ["lib/client/auth-fetch.ts", "app/api/auth/refresh/route.ts"],
  },
  {
    id: "rotation",
    title: "Rotation",
    text: "Each refresh token works once: a conditional update marks it used and its successor is issued in the same transaction. Back to step 2 with a new pair.",
    files: ["lib/auth/refresh.ts"],
  },
  {
    id: "reuse",
    title: "Reuse detection",
    text: "A used token shown again outside a short grace window means a copy leaked: the whole session is revoked and an audit event is written.",
    files: ["lib/auth/refresh.ts", "lib/auth/audit.ts"],
    tone: "danger",
  },
];
