// Runs once when the server starts (Node.js runtime only).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertConfigOrExit, assertDatabaseWritableOrExit } = await import("./lib/startup");
  assertConfigOrExit();
  await assertDatabaseWritableOrExit();
  const { startScheduledPrune } = await import("./lib/ops/scheduled-prune");
  startScheduledPrune();
  const { installRequestHook } = await import("./lib/observability/metrics");
  installRequestHook();
}
