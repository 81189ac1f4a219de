import type { Metadata } from "next";
import { headers } from "next/headers";
import Link from "next/link";
import type { ReactNode } from "react";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Token Auth Reference", template: "%s · Token Auth Reference" },
  description: "Access tokens and rotating refresh tokens in a Next.js app",
};

export default async function RootLayout({ children }: { children: ReactNode }) {
  // Reading the request makes every page render per request, which the CSP nonce needs
  // (Next.js adds the nonce from the request's CSP header to its own scripts).
  await headers();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <div className="site-header-inner">
            <Link href="/" className="brand">
              <svg width="24" height="24" viewBox="0 0 32 32" aria-hidden="true" focusable="false">
                <rect width="32" height="32" rx="6" fill="currentColor" />
                <path d="M11 14v-3a5 5 0 0 1 10 0v3" fill="none" className="brand-mark" strokeWidth="2.5" />
                <rect x="8" y="14" width="16" height="11" rx="2" className="brand-mark-fill" />
              </svg>
              Token Auth Reference
            </Link>
            <nav aria-label="Site">
              <ul className="cluster site-nav">
                <li>
                  <Link href="/#how-it-works">How it works</Link>
                </li>
                <li>
                  {/* Protected: a prefetch could rotate the refresh token (see AccountNav). */}
                  <Link href="/dashboard" prefetch={false}>
                    Open the dashboard
                  </Link>
                </li>
              </ul>
            </nav>
          </div>
        </header>
        <main id="main" className="container" tabIndex={-1}>
          {children}
        </main>
        <footer className="site-footer">
          <p>
            A reference implementation: short-lived access tokens, rotating refresh tokens, httpOnly cookies. No token
            is ever readable by this page&apos;s JavaScript.
          </p>
        </footer>
      </body>
    </html>
  );
}
