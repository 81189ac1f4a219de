// The account forms' submit: POST JSON, and on failure the server's message in words.
export type Submitted = { ok: true; body: unknown } | { ok: false; message: string; error?: string };

export async function postJson(url: string, body: unknown, fallbackMessage: string): Promise<Submitted> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    if (response.ok) return { ok: true, body: await response.json().catch(() => null) };
    const error = (await response.json().catch(() => null)) as { error?: string; message?: string } | null;
    return { ok: false, message: error?.message ?? fallbackMessage, error: error?.error };
  } catch {
    return { ok: false, message: "The server could not be reached. Try again." };
  }
}
