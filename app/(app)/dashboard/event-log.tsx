import type { AuthFetchEvent } from "@/lib/client/auth-fetch";
import styles from "./dashboard.module.css";

/** What the token lab saw that the wrapper did not do: a newer access token in the cookie jar. */
export type TokenLabEvent = { type: "renewed-elsewhere"; until: string };

export type LoggedEvent = { id: number; at: string; event: AuthFetchEvent | TokenLabEvent };

const REASONS: Record<string, string> = {
  in_page_401: "after a 401",
  proactive: "ahead of expiry",
  navigation: "for a navigation",
};

function describe(event: LoggedEvent["event"]): string {
  switch (event.type) {
    case "request":
      return `request ${event.method} ${event.url}`;
    case "response":
      return `${event.status} ${event.method} ${event.url}`;
    case "refresh-start":
      return `refresh ${REASONS[event.reason] ?? ""}: POST /api/auth/refresh`;
    case "refresh-joined":
      return "joined the refresh already in flight (single flight: one rotation for the whole tab)";
    case "refresh-reused-other-tab":
      return "another tab refreshed after this request was sent: its new cookies are reused, no second rotation";
    case "refresh-done":
      return event.ok
        ? "refreshed: new access token, refresh token rotated"
        : `refresh failed: ${event.status}${event.error ? ` ${event.error}` : ""}`;
    case "refresh-by-browser":
      return `refresh ${REASONS[event.reason] ?? ""}: left to the browser, no POST (the session is device-bound)`;
    case "device-bound":
      return event.learnedFrom === "refresh-route"
        ? "401 session_bound: this session is bound to a device key, so its refresh cookie no longer renews it; the browser does (DBSC). No more refresh POSTs from this tab."
        : "this session is bound to a device key: the browser renews its access cookie itself (DBSC), so this tab does not post the refresh cookie";
    case "renewed-elsewhere":
      return `a newer access token is in use, valid until ${event.until}: renewed without this page (by another tab, or by the browser for a device-bound session)`;
    case "retry":
      return `retry ${event.method} ${event.url}`;
    case "sign-in-required":
      return `signed out: going to the sign-in page${event.reason ? ` (${event.reason})` : ""}`;
  }
}

function tone(event: LoggedEvent["event"]): string | undefined {
  if (event.type === "response") return event.status < 400 ? styles.ok : styles.bad;
  if (event.type === "refresh-done") return event.ok ? styles.ok : styles.bad;
  if (event.type === "renewed-elsewhere") return styles.ok;
  if (event.type === "device-bound") return styles.refresh;
  if (event.type === "sign-in-required") return styles.bad;
  if (event.type.startsWith("refresh")) return styles.refresh;
  return undefined;
}

/** What the fetch wrapper did, oldest first, as it happens. */
export function EventLog({ events, onClear }: { events: LoggedEvent[]; onClear: () => void }) {
  return (
    <section aria-labelledby="log-heading" className="card stack-sm">
      <div className={styles.cardHeader}>
        <h2 id="log-heading" className="card-title">
          Fetch wrapper log
        </h2>
        <button type="button" className="btn btn-small" onClick={onClear} disabled={events.length === 0}>
          Clear log
        </button>
      </div>
      <p className="muted small">
        Every call the dashboard makes through the wrapper, and each refresh it does (or, for a device-bound session,
        the browser does).
      </p>
      <div className={styles.log} role="log" aria-label="Fetch wrapper events" tabIndex={0}>
        {events.length === 0 ? <p className="muted">Nothing yet. Use the controls to make something happen.</p> : null}
        <ol className={styles.logList}>
          {events.map(({ id, at, event }) => (
            <li
              key={id}
              data-event={event.type}
              data-status={"status" in event ? event.status : undefined}
              className={tone(event)}
            >
              <span className={styles.logTime}>{at}</span> {describe(event)}
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
