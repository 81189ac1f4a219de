import type { Metadata } from "next";
import Link from "next/link";

// Static: prerendered and served without the middleware (lib/http/static-pages.mjs).
export const dynamic = "force-static";

export const metadata: Metadata = { title: "Account deleted" };

export default function AccountDeletedPage() {
  return (
    <div className="container-narrow stack">
      <h1>Account deleted</h1>
      <p role="status" className="alert alert-success">
        Your account and all its sessions are gone. Every device it was signed in on is signed out.
      </p>
      <p>
        <Link href="/register">Create a new account</Link> or go back to the <Link href="/">home page</Link>.
      </p>
    </div>
  );
}
