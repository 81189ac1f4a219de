"use client";

import { useEffect, useState } from "react";
import { authFetch, onRefresh, refreshSession } from "@/lib/client/auth-fetch";

// Refresh this long before the access token expires (or at 80% of a shorter lifetime).
const REFRESH_AHEAD_MS = 60_000;

function secondsLeft(expiresAt: Date, now: number): number {
  return Math.max(0, Math.round((expiresAt.getTime() - now) / 1000));
}

export function TokenStatus({ initialExpiresAt }: { initialExpiresAt: string }) {
  const [expiresAt, setExpiresAt] = useState(() => new Date(initialExpiresAt));
  const [now, setNow] = useState(() => Date.now());
  const [check, setCheck] = useState<string>();

  useEffect(() => onRefresh(setExpiresAt), []);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  // Refresh shortly before expiry, but only while someone is looking at the tab.
  useEffect(() => {
    const lifetime = expiresAt.getTime() - Date.now();
    const ahead = Math.min(REFRESH_AHEAD_MS, lifetime * 0.2);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const schedule = () => {
      clearTimeout(timer);
      if (document.visibilityState !== "visible") return;
      timer = setTimeout(
        () => void refreshSession(Date.now(), "proactive"),
        Math.max(0, expiresAt.getTime() - ahead - Date.now()),
      );
    };
    schedule();
    document.addEventListener("visibilitychange", schedule);
    return () => {
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", schedule);
    };
  }, [expiresAt]);

  async function checkSession() {
    setCheck("Checking…");
    const response = await authFetch("/api/me");
    if (!response.ok) return setCheck("Not signed in.");
    const body = (await response.json()) as { user: { email: string } };
    setCheck(`Signed in as ${body.user.email} (checked ${new Date().toLocaleTimeString()})`);
  }

  const left = secondsLeft(expiresAt, now);
  return (
    <section aria-labelledby="token-heading">
      <h2 id="token-heading">Access token</h2>
      <p>
        {/* The server renders in its own time zone and clock; the browser's take over. */}
        Expires at{" "}
        <time dateTime={expiresAt.toISOString()} suppressHydrationWarning>
          {expiresAt.toLocaleTimeString()}
        </time>{" "}
        <span data-testid="token-seconds-left" suppressHydrationWarning>
          ({left > 0 ? `${left} s left` : "expired"})
        </span>
      </p>
      <button type="button" onClick={() => void checkSession()}>
        Check session with the API
      </button>
      {check ? <p role="status">{check}</p> : null}
    </section>
  );
}
