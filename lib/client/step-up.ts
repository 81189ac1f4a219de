// Browser side of step-up (issue 23, docs/decisions/0020-second-factor-and-step-up.md):
// a sensitive request that the server refuses with 403 `reauthentication_required` asks
// the user to confirm it's them (the step-up dialog, components/step-up-dialog.tsx), then
// is sent once more. The dialog registers itself here; without one on the page the
// refusal is handed back as it came.
import { authFetch } from "./auth-fetch";

/** What the dialog came to: the session re-authenticated, or the user gave up. */
export type StepUpOutcome = "confirmed" | "cancelled";
type Prompt = () => Promise<StepUpOutcome>;

let prompt: Prompt | null = null;
// Two sensitive requests refused at once (a page with several) share one dialog.
let asking: Promise<StepUpOutcome> | null = null;

/** The dialog's hook; returns the function that unregisters it. */
export function registerStepUpPrompt(ask: Prompt): () => void {
  prompt = ask;
  return () => {
    if (prompt === ask) prompt = null;
  };
}

/** The error code of the answer that stands for "the user cancelled": the action was not done. */
export const STEP_UP_CANCELLED = "reauthentication_cancelled";

async function needsStepUp(response: Response): Promise<boolean> {
  if (response.status !== 403) return false;
  const body = (await response
    .clone()
    .json()
    .catch(() => null)) as { error?: string } | null;
  return body?.error === "reauthentication_required";
}

function askOnce(ask: Prompt): Promise<StepUpOutcome> {
  asking ??= ask().finally(() => {
    asking = null;
  });
  return asking;
}

/**
 * authFetch() for the sensitive actions: a step-up refusal opens the dialog, and once the
 * user has confirmed, the request is retried once (a second refusal is returned as is).
 * When the user cancels, the answer is a 403 `reauthentication_cancelled` whose message
 * says that nothing was done, so the calling form shows it like any other refusal.
 */
export async function stepUpFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await authFetch(input, init);
  if (!prompt || !(await needsStepUp(response))) return response;
  const outcome = await askOnce(prompt);
  if (outcome === "confirmed") return authFetch(input, init);
  return Response.json(
    { error: STEP_UP_CANCELLED, message: "Not done: you cancelled the confirmation. Nothing was changed." },
    { status: 403 },
  );
}
