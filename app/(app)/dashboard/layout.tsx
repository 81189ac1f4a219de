import type { ReactNode } from "react";
import { StepUpDialog } from "@/components/step-up-dialog";
import { accountFactors } from "@/lib/auth/factors";
import { getCurrentSession } from "@/lib/auth/session/current";
import { getDb } from "@/lib/db";

// Every dashboard page has sensitive actions (password, account, sessions, factors): the
// step-up dialog is mounted once for all of them. Each page checks the session itself.
export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const current = await getCurrentSession();
  const factors = current ? await accountFactors(getDb(), current.user.id) : null;
  return (
    <>
      {children}
      {factors ? <StepUpDialog totp={factors.totp} passkeys={factors.passkeys > 0} /> : null}
    </>
  );
}
