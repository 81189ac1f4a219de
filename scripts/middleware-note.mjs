// What server.mjs prints before Next.js starts. Next 16 calls middleware.ts deprecated on
// every dev start and build; this says, in our words, that the app keeps it on purpose,
// so the warning that follows does not read as something broken.
export const MIDDLEWARE_NOTE = [
  'Note: Next.js 16 warns that the "middleware" file convention is deprecated. This app keeps',
  "middleware.ts on purpose: it is the only way to verify tokens on the edge runtime (proxy.ts",
  "runs on Node.js only). Why, and what would make us switch: docs/decisions/0017-keep-edge-middleware.md",
].join("\n");

export function printMiddlewareNote() {
  console.log(MIDDLEWARE_NOTE);
}
