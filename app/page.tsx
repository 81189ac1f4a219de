import Link from "next/link";

export default function HomePage() {
  return (
    <>
      <h1>Token Auth Reference</h1>
      <p>
        A Next.js app that keeps you signed in with a short-lived access token and a rotating, long-lived refresh token,
        both in httpOnly cookies.
      </p>
      <p>
        <Link href="/login">Sign in</Link> · <Link href="/dashboard">Dashboard</Link>
      </p>
    </>
  );
}
