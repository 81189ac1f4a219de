import Link from "next/link";
import { repositorySourceBase } from "@/lib/source-link";
import packageJson from "@/package.json";
import { FlowDiagram } from "./flow-diagram";
import styles from "./flow.module.css";

// Read when the page is built: file paths link to the repository package.json names, if any.
const SOURCE_BASE = repositorySourceBase(packageJson);
// Static: prerendered at build time and served without the middleware, with a CSP that lists
// the sha256 of its inline scripts (next.config.js, docs/decisions/0018-static-page-csp.md).
export const dynamic = "force-static";

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
        <FlowDiagram sourceBase={SOURCE_BASE} />
        <p className={styles.loop}>
          <strong>The loop:</strong> steps 2 → 3 → 4 → 5 repeat for as long as the session lives (7 days idle, 30 days
          at most). Step 6 ends it early when a refresh token turns up twice.
        </p>
      </section>
    </>
  );
}
