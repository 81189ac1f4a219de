import type { Metadata } from "next";
import Link from "next/link";

export const metadata: Metadata = { title: "Account deleted" };

export default function AccountDeletedPage() {
  return (
    <>
      <h1>Account deleted</h1>
      <p role="status">Your account and all its sessions are gone. Every device it was signed in on is signed out.</p>
      <p>
        <Link href="/register">Create a new account</Link>
      </p>
    </>
  );
}
