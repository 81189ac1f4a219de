import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Page not found" };

// Every unknown path and every notFound() lands here. It goes through the middleware like
// any page that is not prerendered, so Next's scripts carry the request's CSP nonce
// (Next's built-in 404 page would be the prerendered one, whose inline scripts the nonce
// policy blocks).
export default function NotFound() {
  return (
    <div className="container-narrow stack">
      <h1>Page not found</h1>
      <p>There is no page at this address. It may have moved, or the link may be mistyped.</p>
      <p>
        Go to the <Link href="/">home page</Link> or to <Link href="/dashboard">your dashboard</Link>.
      </p>
    </div>
  );
}
