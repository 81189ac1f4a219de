// Runs once when the server starts (Node.js runtime only).
export async function register(): Promise<void> {
  if (process.env.NEXT_RUNTIME !== "nodejs") return;
  const { assertConfigOrExit } = await import("./lib/startup");
  assertConfigOrExit();
}
