"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { formatRelative } from "@/components/relative-time";
import type { SessionTimeline } from "@/lib/auth/session/timeline";
import { authFetch, markDeviceBound, onAuthFetchEvent, onRefresh, refreshSession } from "@/lib/client/auth-fetch";
import { AccessBar } from "./access-bar";
import styles from "./dashboard.module.css";
import { EventLog, type LoggedEvent } from "./event-log";
import { RotationHistory } from "./rotation-history";
import { SessionAxis, type AxisMarker } from "./session-axis";
import { TryIt, type TryItAction } from "./try-it";

// Refresh this long before the access token expires (or at 80% of a shorter lifetime).
const REFRESH_AHEAD_MS = 60_000;
// A device-bound token is renewed by the browser, on its own schedule. If the page has not
// seen the renewal by the expiry, it looks again this long after it: a request that would
// go out without a live bound cookie is held by the browser until it has renewed it.
const BOUND_RECHECK_AFTER_EXPIRY_MS = 1_000;
const MAX_LOGGED_EVENTS = 60;

type TimelineReading = SessionTimeline & { accessTokenExpiresAt: string };

type Props = {
  initialExpiresAt: string;
  accessTokenTtlSeconds: number;
  initialTimeline: SessionTimeline;
  serverNow: number;
};

// Rounded up: "expired" (0) only once the expiry has passed, as the server sees it. Rounded
// to the nearest second, the bar read "expired" for the token's last half second, and a
// call made on seeing it went through with no 401 and no refresh (seen in
// e2e/timeline.short-ttl.spec.ts).
function secondsLeft(expiresAt: Date, now: number): number {
  return Math.max(0, Math.ceil((expiresAt.getTime() - now) / 1000));
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
  const [deviceBound, setDeviceBound] = useState(initialTimeline.deviceBound);
  const [events, setEvents] = useState<LoggedEvent[]>([]);
  const [lastProactive, setLastProactive] = useState<string | null>(null);
  const [pending, setPending] = useState<TryItAction | null>(null);
  const [message, setMessage] = useState<{ ok: boolean; text: string } | null>(null);
  const nextEventId = useRef(0);
  const proactiveInFlight = useRef(false);
  // The latest expiry the page knows of, for the callbacks below (state lags a render).
  const knownExpiry = useRef(expiresAt.getTime());

  const log = useCallback((event: LoggedEvent["event"]) => {
    const entry = { id: nextEventId.current++, at: clock(new Date()), event };
    setEvents((list) => [...list, entry].slice(-MAX_LOGGED_EVENTS));
  }, []);

  const showExpiry = useCallback((next: Date) => {
    knownExpiry.current = next.getTime();
    setExpiresAt(next);
  }, []);

  // Plain fetch, not the wrapper: the reload itself is not worth a log line, and when it
  // fails (no access token right now) the next refresh reloads it anyway. It is also how
  // the page learns that the browser has bound the session, and sees a token renewed
  // without it (by another tab, or by the browser for a bound session).
  const reloadTimeline = useCallback(async (): Promise<TimelineReading | null> => {
    const response = await fetch("/api/demo/timeline", { credentials: "same-origin" }).catch(() => null);
    if (!response?.ok) return null;
    const body = (await response.json()) as TimelineReading;
    setTimeline(body);
    if (body.deviceBound) markDeviceBound();
    const next = new Date(body.accessTokenExpiresAt);
    if (next.getTime() > knownExpiry.current) {
      log({ type: "renewed-elsewhere", until: clock(next) });
      showExpiry(next);
    }
    return body;
  }, [log, showExpiry]);

  useEffect(
    () =>
      onRefresh((next) => {
        showExpiry(next);
        void reloadTimeline();
      }),
    [reloadTimeline, showExpiry],
  );

  // Declared before the effect below, so that the log shows what the wrapper is told.
  useEffect(
    () =>
      onAuthFetchEvent((event) => {
        if (event.type === "refresh-start") proactiveInFlight.current = event.reason === "proactive";
        if (event.type === "refresh-done" && event.ok && proactiveInFlight.current) setLastProactive(clock(new Date()));
        if (event.type === "device-bound") setDeviceBound(true);
        log(event);
      }),
    [log],
  );

  // Bound when the page rendered: the wrapper is told at once. (The browser registers its
  // key in the background, so a page may render before it has: refreshAhead re-reads.)
  useEffect(() => {
    if (initialTimeline.deviceBound) markDeviceBound();
  }, [initialTimeline.deviceBound]);

  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(tick);
  }, []);

  const refreshAhead = useCallback(async () => {
    // Read the session again first: the page may have rendered before the browser bound
    // it, and a bound session's refresh cookie must not be posted (each POST would be a
    // 401 session_bound counted against this address's failed refreshes).
    const latest = await reloadTimeline();
    // Not due any more: another tab refreshed, or the browser renewed a bound token.
    const ahead = refreshAheadMs(accessTokenTtlSeconds * 1000);
    if (latest && Date.parse(latest.accessTokenExpiresAt) - ahead > Date.now()) return;
    // For a bound session the wrapper sends nothing; the browser renews the cookie.
    await refreshSession(Date.now(), "proactive");
  }, [reloadTimeline, accessTokenTtlSeconds]);

  // Refresh shortly before expiry, but only while someone is looking at the tab.
  useEffect(() => {
    const refreshAt = expiresAt.getTime() - refreshAheadMs(accessTokenTtlSeconds * 1000);
    let timers: ReturnType<typeof setTimeout>[] = [];
    const at = (time: number, run: () => Promise<unknown>) =>
      setTimeout(() => void run(), Math.max(0, time - Date.now()));
    const schedule = () => {
      timers.forEach(clearTimeout);
      timers = [];
      if (document.visibilityState !== "visible") return;
      // Once past the line, a bound session has nothing left to refresh ahead: only the
      // look after expiry, when the browser will have renewed the cookie.
      if (!deviceBound || Date.now() < refreshAt) timers.push(at(refreshAt, refreshAhead));
      if (deviceBound) timers.push(at(expiresAt.getTime() + BOUND_RECHECK_AFTER_EXPIRY_MS, reloadTimeline));
    };
    schedule();
    document.addEventListener("visibilitychange", schedule);
    return () => {
      timers.forEach(clearTimeout);
      document.removeEventListener("visibilitychange", schedule);
    };
  }, [expiresAt, accessTokenTtlSeconds, deviceBound, refreshAhead, reloadTimeline]);

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
          deviceBound={deviceBound}
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
