"use client";

import { useRef, type FormEvent } from "react";
import { refreshSession } from "@/lib/client/auth-fetch";
import styles from "./decision.module.css";

// Refresh before posting when the access token has less than this left: the post must
// not arrive just after it expired.
const REFRESH_MARGIN_MS = 2_000;

type Props = {
  action: string;
  /** The hidden inputs the route handler needs to find the request again. */
  fields: Record<string, string | undefined>;
  /** Seconds the access token had left when the server rendered the page. */
  accessTokenSecondsLeft: number;
};

/**
 * The approve/deny form of the OAuth consent and device pages. A plain HTML form posting
 * `decision`, so it works without JavaScript (then a post with an expired access token
 * is sent through the refresh route back to this page by the middleware). With
 * JavaScript, a page left open past the token's lifetime refreshes first and then posts,
 * so one click on Approve is enough.
 */
export function DecisionForm({ action, fields, accessTokenSecondsLeft }: Props) {
  const refreshing = useRef(false);
  const refreshed = useRef(false);

  // When the token expires, on this browser's clock: counted from the navigation's start
  // (performance.timeOrigin), which came before the server rendered the page, so the
  // estimate errs early, never late, whatever the clocks and however slow the page was
  // to load and hydrate.
  const expiresAt = () => performance.timeOrigin + accessTokenSecondsLeft * 1000;

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    if (refreshed.current) return; // the post that follows the refresh
    if (refreshing.current) {
      event.preventDefault(); // a second click while refreshing: the first one posts
      return;
    }
    if (expiresAt() - Date.now() > REFRESH_MARGIN_MS) return;
    event.preventDefault();
    const form = event.currentTarget;
    // Which button was pressed: Approve or Deny travels as its name/value pair.
    const submitter = (event.nativeEvent as SubmitEvent).submitter;
    refreshing.current = true;
    // Whatever the outcome, the post decides: if the session is over, the server sends
    // the browser to sign in and back here.
    await refreshSession(Date.now(), "proactive");
    refreshing.current = false;
    // requestSubmit dispatches this handler again, synchronously: let that one through.
    refreshed.current = true;
    form.requestSubmit(submitter);
    refreshed.current = false;
  }

  return (
    <form method="post" action={action} className={styles.actions} onSubmit={onSubmit}>
      {Object.entries(fields).map(([name, value]) =>
        value === undefined ? null : <input key={name} type="hidden" name={name} value={value} />,
      )}
      <button type="submit" name="decision" value="approve" className="btn btn-primary">
        Approve
      </button>
      <button type="submit" name="decision" value="deny" className="btn">
        Deny
      </button>
    </form>
  );
}
