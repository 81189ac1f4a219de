import type { AuthFetchEvent } from "@/lib/client/auth-fetch";
import styles from "./dashboard.module.css";

export type LoggedEvent = { id: number; at: string; event: AuthFetchEvent };

const REASONS: Record<string, string> = {
  in_page_401: "after a 401",
  proactive: "ahead of expiry",
  navigation: "for a navigation",
};

function describe(event: AuthFetchEvent): string {
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
    case "retry":
      return `retry ${event.method} ${event.url}`;
    case "sign-in-required":
      return `signed out: going to the sign-in page${event.reason ? ` (${event.reason})` : ""}`;
  }
}

function tone(event: AuthFetchEvent): string | undefined {
  if (event.type === "response") return event.status < 400 ? styles.ok : styles.bad;
  if (event.type === "refresh-done") return event.ok ? styles.ok : styles.bad;
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
      <p className="muted small">Every call the dashboard makes through the wrapper, and each refresh it does.</p>
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
