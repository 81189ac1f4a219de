"use client";

import { useEffect, useState, useSyncExternalStore } from "react";

const UNITS: [Intl.RelativeTimeFormatUnit, number][] = [
  ["day", 86_400],
  ["hour", 3_600],
  ["minute", 60],
  ["second", 1],
];

const relative = new Intl.RelativeTimeFormat("en", { numeric: "auto", style: "short" });

/** "3 min ago", "in 6 days": the largest unit that fits. */
export function formatRelative(date: Date, now: number): string {
  const seconds = Math.round((date.getTime() - now) / 1000);
  if (Math.abs(seconds) < 10) return "just now";
  const [unit, size] = UNITS.find(([, size]) => Math.abs(seconds) >= size) ?? UNITS[UNITS.length - 1]!;
  return relative.format(Math.trunc(seconds / size), unit);
}

// UTC on the server and in the first client render (they must match for hydration);
// the reader's own time zone once the page runs in the browser.
function formatExact(date: Date, local: boolean): string {
  return (
    new Intl.DateTimeFormat("en-GB", {
      dateStyle: "medium",
      timeStyle: "medium",
      ...(local ? {} : { timeZone: "UTC" }),
    }).format(date) + (local ? "" : " UTC")
  );
}

// false while rendering on the server and hydrating, true afterwards: the pattern React
// documents for output that differs between server and browser.
const subscribeToNothing = () => () => {};
const inBrowser = () => true;
const onServer = () => false;

/**
 * A time as people say it ("3 min ago"), kept current, with the exact time shown on
 * hover and keyboard focus and always available to screen readers.
 */
export function RelativeTime({ iso, serverNow }: { iso: string; serverNow: number }) {
  const date = new Date(iso);
  const [now, setNow] = useState(serverNow);
  const local = useSyncExternalStore(subscribeToNothing, inBrowser, onServer);
  useEffect(() => {
    const tick = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(tick);
  }, []);
  return (
    <time dateTime={iso} className="reltime" tabIndex={0}>
      {formatRelative(date, now)}
      <span className="reltime-tip"> ({formatExact(date, local)})</span>
    </time>
  );
}
