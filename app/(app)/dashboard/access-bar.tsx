import styles from "./dashboard.module.css";

type Props = {
  secondsLeft: number;
  lifetimeSeconds: number;
  refreshAheadSeconds: number;
  expiresAtIso: string;
  lastProactiveRefresh: string | null;
  deviceBound: boolean;
};

/**
 * The access token as a bar that drains until expiry. SVG with percentage widths: the
 * page's CSP allows no inline styles, and attributes are not styles.
 */
export function AccessBar({
  secondsLeft,
  lifetimeSeconds,
  refreshAheadSeconds,
  expiresAtIso,
  lastProactiveRefresh,
  deviceBound,
}: Props) {
  const fraction = lifetimeSeconds > 0 ? Math.min(1, secondsLeft / lifetimeSeconds) : 0;
  const aheadFraction = lifetimeSeconds > 0 ? Math.min(1, refreshAheadSeconds / lifetimeSeconds) : 0;
  const low = secondsLeft <= refreshAheadSeconds;
  return (
    <div className="stack-sm">
      <div className={styles.barHeading}>
        <h3 className={styles.h3}>Access token</h3>
        <p className={styles.barReadout}>
          <span data-testid="token-seconds-left" suppressHydrationWarning>
            {secondsLeft > 0 ? `${secondsLeft} s left` : "expired"}
          </span>{" "}
          <span className="muted small">
            (expires at {/* The server renders in its own time zone; the browser's takes over. */}
            <time suppressHydrationWarning dateTime={expiresAtIso}>
              {new Date(expiresAtIso).toLocaleTimeString("en-GB")}
            </time>
            )
          </span>
        </p>
      </div>
      <svg
        className={styles.bar}
        width="100%"
        height="28"
        role="meter"
        aria-label="Access token time left"
        aria-valuemin={0}
        aria-valuemax={lifetimeSeconds}
        aria-valuenow={secondsLeft}
        aria-valuetext={`${secondsLeft} seconds of ${lifetimeSeconds}`}
      >
        <rect className={styles.barTrack} x="0" y="4" width="100%" height="20" rx="6" />
        <rect
          className={low ? styles.barFillLow : styles.barFill}
          x="0"
          y="4"
          width={`${(fraction * 100).toFixed(2)}%`}
          height="20"
          rx="6"
        />
        {/* Where the dashboard refreshes ahead of expiry. */}
        <line
          className={styles.barMark}
          x1={`${(aheadFraction * 100).toFixed(2)}%`}
          x2={`${(aheadFraction * 100).toFixed(2)}%`}
          y1="0"
          y2="28"
        />
      </svg>
      <p className="muted small">
        {deviceBound ? (
          <>
            This session is bound to a device key: the browser renews the access token itself, signing with a key this
            page cannot read, and the refresh cookie no longer does. The line marks where the dashboard looks
            again.{" "}
          </>
        ) : (
          <>
            The line marks the proactive refresh: while this tab is visible, the dashboard refreshes when about{" "}
            {refreshAheadSeconds} seconds remain.{" "}
          </>
        )}
        {lastProactiveRefresh ? (
          <span className="badge badge-success" data-testid="proactive-refresh">
            Refreshed ahead of expiry at {lastProactiveRefresh}
          </span>
        ) : null}
      </p>
    </div>
  );
}
