import "server-only";
import { getConfig } from "../config";
import type { Db } from "../db";
import { Prisma } from "../generated/prisma/client";
import { recordAuthEvent } from "./audit";
import type { ClientInfo } from "./client-info";
import { hashPassword } from "./password";
import { consumeRegisterAttempt } from "./rate-limit";
import { startSession } from "./session/lifecycle";
import { type TokenPair } from "./token-pair";

export type RegisterResult =
  // tokens is null when REQUIRE_VERIFIED_EMAIL=true: the address must be verified first.
  | { ok: true; user: { id: string; email: string }; tokens: TokenPair | null }
  | { ok: false; error: "email_taken" }
  | { ok: false; error: "rate_limited"; retryAfterSeconds: number };

/**
 * Creates an account and signs it in (unless verified addresses are required). The
 * route sends the verification mail. `email_taken` is the one enumeration we accept.
 */
export async function registerUser(
  db: Db,
  input: { email: string; password: string },
  client: ClientInfo,
): Promise<RegisterResult> {
  const limit = await consumeRegisterAttempt(db, client.ip);
  if (limit.limited) return { ok: false, error: "rate_limited", retryAfterSeconds: limit.retryAfterSeconds };

  const passwordHash = await hashPassword(input.password);
  let user: { id: string; email: string };
  try {
    user = await db.user.create({ data: { email: input.email, passwordHash }, select: { id: true, email: true } });
  } catch (error) {
    // The unique index decides, so two concurrent sign-ups cannot both win.
    if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002") {
      return { ok: false, error: "email_taken" };
    }
    throw error;
  }
  const tokens = getConfig().requireVerifiedEmail ? null : await startSession(db, user.id, client);
  await recordAuthEvent(db, { type: "registered", userId: user.id, sessionId: tokens?.sessionId, client });
  return { ok: true, user, tokens };
}
