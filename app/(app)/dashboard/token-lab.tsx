"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { formatRelative } from "@/components/relative-time";
import type { SessionTimeline } from "@/lib/auth/session/timeline";
import { authFetch, onAuthFetchEvent, onRefresh, refreshSession } from "@/lib/client/auth-fetch";
import { AccessBar } from "./access-bar";
import styles from "./dashboard.module.css";
import { EventLog, type LoggedEvent } from "./event-log";
import { RotationHistory } from "./rotation-history";
import { SessionAxis, type AxisMarker } from "./session-axis";
import { TryIt, type TryItAction } from "./try-it";

// Refresh this long before the access token expires (or at 80% of a shorter lifetime).
const REFRESH_AHEAD_MS = 60_000;
const MAX_LOGGED_EVENTS = 60;

type Props = {
  initialExpiresAt: string;
  accessTokenTtlSeconds: number;
  initialTimeline: SessionTimeline;
  serverNow: number;
};

function secondsLeft(expiresAt: Date, now: number): number {
  return Math.max(0, Math.round((expiresAt.getTime() - now) / 1000));
}

function clock(date: Date): string {
  return date.toLocaleTimeString("en-GB", { hour12: false });
}

function refreshAheadMs(lifetimeMs: number): number {
  return Math.min(REFRESH_AHEAD_MS, lifetimeMs * 0.2);
}

/** The dashboard's live view of this session's tokens, and the controls that move them. */
export function TokenLab({ initialExpiresAt, accessTokenTtlSeconds, initialTimeline, serverNow }: Props) {
  const [expiresAt, setExpiresAt] = useState(() => new Date(initialExpiresAt));
  const [now, setNow] = useState(serverNow);
  const [timeline, setTimeline] = useState(initialTimeline);
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [lastProactive, setLastProactive] = useState<string | null>(null);
  const [pending, setPending] = useState<TryItAction | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const nextEventId = useRef(0);
  const proactiveInFlight = useRef(false);

  // Plain fetch, not the wrapper: reloading the picture is not something to log, and
  // when it fails (no access token right now) the next refresh reloads it anyway.
  const reloadTimeline = useCallback(async () => {
    const response = await fetch("/api/demo/timeline", { credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return;
    const body = (await response.json()) as SessionTimeline & { accessTokenExpiresAt: string };
    setTimeline(body);
  }, []);

  useEffect(
    () =>
      onRefresh((next) => {
        setExpiresAt(next);
        void reloadTimeline();
      }),
    [reloadTimeline],
  );

  useEffect(
    () =>
      onAuthFetchEvent((event) => {
        const at = clock(new Date());
        if (event.type === "refresh-start") proactiveInFlight.current = event.reason === "proactive";
        if (event.type === "refresh-done" && event.ok && proactiveInFlight.current) setLastProactive(at);
        setEvents((list) => [...list, { id: nextEventId.current++, at, event }].slice(-MAX_LOGGED_EVENTS));
      }),
    [],
  );

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  // Refresh shortly before expiry, but only while someone is looking at the tab.
  useEffect(() => {
    const ahead = refreshAheadMs(accessTokenTtlSeconds * 1000);
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
  }, [expiresAt, accessTokenTtlSeconds]);

  async function checkSession(): Promise<void> {
    const response = await authFetch("/api/me");
    if (!response.ok) return setMessage({ ok: false, text: "Not signed in." });
    const body = (await response.json()) as { user: { email: string } };
    setMessage({ ok: true, text: `Signed in as ${body.user.email} (checked ${clock(new Date())})` });
  }

  async function dropAccessToken(): Promise<void> {
    const response = await authFetch("/api/demo/drop-access-token", { method: "POST" });
    setMessage(
      response.ok
        ? { ok: true, text: "Access token dropped. Now check the session with the API and watch the log." }
        : { ok: false, text: "The access token could not be dropped." },
    );
  }

  async function replayOldRefreshToken(): Promise<void> {
    const response = await authFetch("/api/demo/replay-refresh-token", { method: "POST" });
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { message?: string } | null;
      return setMessage({ ok: false, text: body?.message ?? "The replay did not happen." });
    }
    setMessage({ ok: true, text: "Theft detected: the session was revoked. The next refresh will fail…" });
    // The browser finds out the way a victim's would: its next call needs a refresh,
    // the refresh is refused as reuse, and the wrapper sends it to the sign-in page.
    await authFetch("/api/me");
  }

  const run = (action: TryItAction) => {
    if (pending) return;
    setPending(action);
    setMessage(null);
    const work = { drop: dropAccessToken, call: checkSession, replay: replayOldRefreshToken }[action];
    void work().finally(() => setPending(null));
  };

  const left = secondsLeft(expiresAt, now);
  const date = (iso: string) => new Date(iso);
  const markers: AxisMarker[] = [
    {
      key: "access",
      label: "Access token expires",
      secondsLeft: left,
      when: left > 0 ? formatRelative(expiresAt, now) : "expired",
    },
    {
      key: "idle",
      label: "Idle expiry (unused this long, the session ends)",
      secondsLeft: secondsLeft(date(timeline.idleExpiresAt), now),
      when: formatRelative(date(timeline.idleExpiresAt), now),
    },
    {
      key: "absolute",
      label: "Absolute expiry (rotation never extends it)",
      secondsLeft: secondsLeft(date(timeline.absoluteExpiresAt), now),
      when: formatRelative(date(timeline.absoluteExpiresAt), now),
    },
  ];

  return (
    <div className="stack">
      <section aria-labelledby="timeline-heading" className="card stack">
        <h2 id="timeline-heading" className="card-title">
          Token timeline
        </h2>
        <AccessBar
          secondsLeft={left}
          lifetimeSeconds={accessTokenTtlSeconds}
          refreshAheadSeconds={Math.round(refreshAheadMs(accessTokenTtlSeconds * 1000) / 1000)}
          expiresAtIso={expiresAt.toISOString()}
          lastProactiveRefresh={lastProactive}
        />
        <div className="stack-sm">
          <h3 className={styles.h3}>This session, on one axis</h3>
          <SessionAxis markers={markers} />
        </div>
      </section>

      <div className="grid-2">
        <TryIt pending={pending} onRun={run} message={message} />
        <EventLog events={events} onClear={() => setEvents([])} />
      </div>

      <section aria-labelledby="history-heading" className="card stack-sm">
        <h2 id="history-heading" className="card-title">
          Rotation history
        </h2>
        <p className="muted small">
          Each refresh token is used once and replaced by its successor. Generations are labelled by their row id: the
          token itself is never stored and its hash never leaves the server.
        </p>
        <RotationHistory generations={timeline.generations} now={now} />
      </section>
    </div>
  );
}
