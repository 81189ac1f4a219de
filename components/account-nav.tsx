import Link from "next/link";
import { SignOutButton } from "./sign-out-button";

const PAGES = [
  { href: "/dashboard", label: "Dashboard" },
  { href: "/dashboard/sessions", label: "Sessions" },
  { href: "/dashboard/security", label: "Security" },
] as const;

/** The signed-in pages' navigation: where you are, where else you can go, sign out. */
export function AccountNav({ current }: { current: (typeof PAGES)[number]["href"] }) {
  return (
    <nav aria-label="Account" className="account-nav cluster">
      <ul className="cluster account-nav-links">
        {PAGES.map((page) => (
          <li key={page.href}>
            {/* No prefetch: a prefetch after the access token expired would go through the
                refresh route and rotate the refresh token behind the user's back. */}
            <Link href={page.href} prefetch={false} aria-current={page.href === current ? "page" : undefined}>
              {page.label}
            </Link>
          </li>
        ))}
      </ul>
      <SignOutButton />
    </nav>
  );
}
