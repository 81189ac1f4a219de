import "server-only";
import { getConfig } from "../../config";
import { getCurrentSession, type CurrentSession } from "../session/current";

/**
 * The caller, if they are an administrator (ADMIN_EMAILS); null for everyone else,
 * signed in or not. Callers answer null with a 404, never a 403: the admin surface is not
 * revealed to anyone who may not use it (docs/decisions/0023-administration.md). The
 * session is checked against the database like any page's (getCurrentSession).
 */
export async function getCurrentAdmin(): Promise<CurrentSession | null> {
  const current = await getCurrentSession();
  if (!current) return null;
  return getConfig().adminEmails.includes(current.user.email) ? current : null;
}
