import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { AccountNav } from "@/components/account-nav";
import { accountFactors } from "@/lib/auth/factors";
import { listPasskeys } from "@/lib/auth/passkeys/manage";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";
import { renderedAt } from "@/lib/rendered-at";
import { EmailSection } from "./email-section";
import { PasskeysSection } from "./passkeys-section";
import { TotpSection } from "./totp-section";

export const metadata: Metadata = { title: "Security" };

// A thin list of sections, one per way to sign in or be reached.
export default async function SecurityPage() {
  const current = await getCurrentSession();
  if (!current) redirect("/login?next=/dashboard/security");
  const db = getDb();
  const [user, passkeys, factors] = await Promise.all([
    db.user.findUnique({ where: { id: current.user.id }, select: { emailVerifiedAt: true } }),
    listPasskeys(db, current.user.id),
    accountFactors(db, current.user.id),
  ]);
  return (
    <>
      <AccountNav current="/dashboard/security" />
      <header className="page-header">
        <h1>Security</h1>
        <p>
          How you sign in and where we reach you. We mail you about every change here, and about sign-ins from new
          devices.
        </p>
      </header>
      <div className="stack">
        <PasskeysSection
          passkeys={passkeys.map((p) => ({
            ...p,
            createdAt: p.createdAt.toISOString(),
            lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
          }))}
          serverNow={renderedAt()}
        />
        <TotpSection enabled={factors.totp} recoveryCodesLeft={factors.recoveryCodesLeft} />
        <EmailSection email={current.user.email} verified={Boolean(user?.emailVerifiedAt)} />
      </div>
    </>
  );
}
