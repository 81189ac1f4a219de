import Link from "next/link";
import { FLOW_STEPS } from "./flow-steps";
import styles from "./flow.module.css";

export default function HomePage() {
  return (
    <>
      <header className="page-header">
        <h1>Token Auth Reference</h1>
        <p>
          A Next.js app that keeps you signed in with a short-lived access token and a rotating, long-lived refresh
          token, both in httpOnly cookies. Sign in and the dashboard shows the tokens at work, live.
        </p>
        <div className="cluster">
          <Link href="/login" className="btn btn-primary">
            Sign in
          </Link>
          <Link href="/register" className="btn">
            Create an account
          </Link>
        </div>
      </header>

      <section aria-labelledby="how-it-works" className="stack">
        <h2 id="how-it-works">How it works</h2>
        <p className="muted">From sign-in to theft detection, in six steps. Each names the files that do it.</p>
        <ol className={styles.flow} aria-label="The token lifecycle">
          {FLOW_STEPS.map((step) => (
            <li key={step.id} className={`${styles.step} ${step.tone === "danger" ? styles.danger : ""}`}>
              <h3 className={styles.stepTitle}>{step.title}</h3>
              <p className={styles.stepText}>{step.text}</p>
              <ul className={styles.files} aria-label={`Files for ${step.title}`}>
                {step.files.map((file) => (
                  <li key={file}>
                    <code>{file}</code>
                  </li>
                ))}
              </ul>
            </li>
          ))}
        </ol>
        <p className={styles.loop}>
          <strong>The loop:</strong> steps 2 → 3 → 4 → 5 repeat for as long as the session lives (7 days idle, 30 days
          at most). Step 6 ends it early when a refresh token turns up twice.
        </p>
      </section>
    </>
  );
}
