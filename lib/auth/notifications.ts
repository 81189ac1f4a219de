import "server-only";
import { after } from "next/server";
import type { Db } from "../db";
import { canSendMail, sendMail } from "../mail";
import {
  emailChangedMail,
  factorChangedMail,
  maskEmail,
  newDeviceSignInMail,
  passwordChangedMail,
  recoveryCodeUsedMail,
  type FactorKind,
  type MailMessage,
  type NoticeOrigin,
} from "../mail/message";
import { errorMessage, logger } from "../observability/log";
import { describeDevice } from "../user-agent";
import type { ClientInfo } from "./client-info";
import { noteSignInDevice } from "./devices";

// Security notices by mail (issue 23, item 6; decision 0022). Each notify*() returns at
// once and does its work after the response has gone out (Next's after()): a slow or
// broken mail transport can neither fail nor slow the sign-in or change it reports.
// Failures are logged (the mail has no secret to leak) and otherwise dropped: a notice
// is a courtesy, the action it reports has already happened.

type Recipient = { id: string; email: string };

function whereFrom(client: ClientInfo, at: Date): NoticeOrigin {
  return { device: client.clientName ?? describeDevice(client.userAgent).label, ip: client.ip, at };
}

async function deliver(db: Db, label: string, message: MailMessage): Promise<void> {
  if (!canSendMail()) return;
  try {
    await sendMail(db, message);
  } catch (error) {
    logger().error({ reason: errorMessage(error) }, `Sending the ${label} notice failed`);
  }
}

/**
 * Runs `work` once the response is out. Outside a request (a script, a unit test) there is
 * no response to wait for, so it simply runs, unawaited. Never throws, never rejects.
 */
function afterResponse(label: string, work: () => Promise<void>): void {
  const guarded = async () => {
    try {
      await work();
    } catch (error) {
      logger().error({ reason: errorMessage(error) }, `The ${label} notice failed`);
    }
  };
  try {
    after(guarded);
  } catch {
    void guarded();
  }
}

/**
 * A browser sign-in (password, passkey, second factor): remembers the device and, when
 * this account has not been used on it before, tells the account's address.
 * `deviceId` is the value of the device cookie the response sets (lib/auth/devices.ts).
 */
export function notifySignIn(
  db: Db,
  user: Recipient,
  client: ClientInfo,
  deviceId: string,
  method: string,
  now = new Date(),
): void {
  // Without a mail transport there is nobody to tell; the bookkeeping is skipped too.
  if (!canSendMail()) return;
  afterResponse("new-device sign-in", async () => {
    const seen = await noteSignInDevice(db, user.id, deviceId, client.userAgent, now);
    if (seen === "new")
      await deliver(db, "new-device sign-in", newDeviceSignInMail(user.email, method, whereFrom(client, now)));
  });
}

/** Registration: the browser that created the account is known from the start, no mail. */
export function rememberRegistrationDevice(db: Db, userId: string, client: ClientInfo, deviceId: string): void {
  if (!canSendMail()) return;
  afterResponse("registration device", async () => {
    await noteSignInDevice(db, userId, deviceId, client.userAgent);
  });
}

export function notifyPasswordChanged(db: Db, user: Recipient, client: ClientInfo, how: "changed" | "reset"): void {
  const now = new Date();
  afterResponse("password change", () =>
    deliver(db, "password change", passwordChangedMail(user.email, how, whereFrom(client, now))),
  );
}

/** To the old address, which is no longer the account's and may be the owner's only one. */
export function notifyEmailChanged(db: Db, change: { oldEmail: string; newEmail: string }, client: ClientInfo): void {
  const now = new Date();
  afterResponse("email change", () =>
    deliver(db, "email change", emailChangedMail(change.oldEmail, maskEmail(change.newEmail), whereFrom(client, now))),
  );
}

/**
 * A second factor or passkey added or removed, or recovery codes (re)generated
 * (`factor: "recovery_codes", action: "added"`). For the TOTP and passkey routes.
 */
export function notifyFactorChanged(
  db: Db,
  user: Recipient | { id: string },
  change: { factor: FactorKind; action: "added" | "removed"; name?: string },
  client: ClientInfo,
): void {
  const now = new Date();
  afterResponse("factor change", async () => {
    // The factor's modules know the account by id only; its address is read after the answer.
    const email =
      "email" in user
        ? user.email
        : (await db.user.findUnique({ where: { id: user.id }, select: { email: true } }))?.email;
    if (email) await deliver(db, "factor change", factorChangedMail(email, change, whereFrom(client, now)));
  });
}

/** A recovery code completed a sign-in: the user may have lost their authenticator, or someone has the codes. */
export function notifyRecoveryCodeUsed(db: Db, user: Recipient, client: ClientInfo, remaining: number): void {
  const now = new Date();
  afterResponse("recovery code", () =>
    deliver(db, "recovery code", recoveryCodeUsedMail(user.email, remaining, whereFrom(client, now))),
  );
}
