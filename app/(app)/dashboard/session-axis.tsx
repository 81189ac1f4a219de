import styles from "./dashboard.module.css";

// Seconds to days on one axis: a log scale, so a 10-minute token and a 30-day session
// are both visible. Positions are percentages (SVG attributes, allowed by the CSP).
// Minor ticks lose their labels on a phone, where they would overlap their neighbours.
const TICKS: [number, string, "minor"?][] = [
  [1, "1 s"],
  [60, "1 min"],
  [600, "10 min", "minor"],
  [3600, "1 h"],
  [86_400, "1 d"],
  [604_800, "7 d", "minor"],
  [2_592_000, "30 d"],
];
const MIN = 1;
const MAX = 2_592_000;

function position(seconds: number): number {
  const clamped = Math.min(MAX, Math.max(MIN, seconds));
  return (Math.log10(clamped / MIN) / Math.log10(MAX / MIN)) * 100;
}

const pct = (value: number) => `${value.toFixed(2)}%`;

export type AxisMarker = { key: "access" | "idle" | "absolute"; label: string; secondsLeft: number; when: string };

/** Time left on the access token and the session's two expiries, on one labelled log axis. */
export function SessionAxis({ markers }: { markers: AxisMarker[] }) {
  return (
    <figure className={styles.axisFigure}>
      <svg width="100%" height="64" className={styles.axis} aria-hidden="true" focusable="false">
        <line className={styles.axisLine} x1="0%" x2="100%" y1="30" y2="30" />
        {TICKS.map(([seconds, label, minor], index) => (
          <g key={label}>
            <line className={styles.axisTick} x1={pct(position(seconds))} x2={pct(position(seconds))} y1="25" y2="35" />
            <text
              className={minor ? `${styles.axisLabel} ${styles.axisLabelMinor}` : styles.axisLabel}
              x={pct(position(seconds))}
              y="54"
              textAnchor={index === 0 ? "start" : index === TICKS.length - 1 ? "end" : "middle"}
            >
              {label}
            </text>
          </g>
        ))}
        {markers.map((marker) => {
          const x = pct(position(marker.secondsLeft));
          if (marker.key === "access") {
            return <circle key={marker.key} className={styles.markAccess} cx={x} cy="30" r="7" />;
          }
          if (marker.key === "idle") {
            return (
              <rect
                key={marker.key}
                className={styles.markIdle}
                x={x}
                y="18"
                width="10"
                height="10"
                transform="translate(-5 0)"
              />
            );
          }
          return (
            <rect
              key={marker.key}
              className={styles.markAbsolute}
              x={x}
              y="8"
              width="4"
              height="22"
              transform="translate(-2 0)"
            />
          );
        })}
      </svg>
      <figcaption>
        <span className="small muted">Time from now, logarithmic scale (each step is ten times longer).</span>
        <ul className={styles.legend}>
          {markers.map((marker) => (
            <li key={marker.key}>
              <span className={`${styles.legendKey} ${styles[`legend_${marker.key}`]}`} aria-hidden="true" />
              <strong>{marker.label}</strong>: {marker.when}
            </li>
          ))}
        </ul>
      </figcaption>
    </figure>
  );
}
