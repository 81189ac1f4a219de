// What the app sends: plain text and HTML with the same content, one link, no images,
// no tracking pixels, no rewritten links.

export type MailMessage = { to: string; subject: string; text: string; html: string };

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

function linkMail(to: string, subject: string, lines: { intro: string; action: string; link: string; outro: string }) {
  const { intro, action, link, outro } = lines;
  return {
    to,
    subject,
    text: `${intro}\n\n${action}:\n${link}\n\n${outro}\n`,
    html: [
      "<!doctype html>",
      `<html><body style="font-family: sans-serif">`,
      `<p>${escapeHtml(intro)}</p>`,
      `<p><a href="${escapeHtml(link)}">${escapeHtml(action)}</a></p>`,
      `<p>Or paste this address into your browser:<br>${escapeHtml(link)}</p>`,
      `<p>${escapeHtml(outro)}</p>`,
      "</body></html>",
    ].join("\n"),
  };
}

function minutes(seconds: number): string {
  const m = Math.max(1, Math.round(seconds / 60));
  return `${m} minute${m === 1 ? "" : "s"}`;
}

export function passwordResetMail(to: string, link: string, ttlSeconds: number): MailMessage {
  return linkMail(to, "Reset your password", {
    intro: `Someone (hopefully you) asked to reset the password of the account ${to}.`,
    action: "Choose a new password",
    link,
    outro: `The link works once and expires in ${minutes(ttlSeconds)}. Resetting signs out every device. If you did not ask for this, ignore this mail: your password stays as it is.`,
  });
}

export function verificationMail(to: string, link: string): MailMessage {
  return linkMail(to, "Confirm your email address", {
    intro: `Confirm that ${to} is your address for your new account.`,
    action: "Confirm email address",
    link,
    outro: "The link works once and expires in 24 hours. If you did not create an account, ignore this mail.",
  });
}

export function emailChangeMail(to: string, link: string, ttlSeconds: number): MailMessage {
  return linkMail(to, "Confirm your new email address", {
    intro: `Someone signed in to an account asked to use ${to} as its email address from now on.`,
    action: "Use this address",
    link,
    outro: `The link works once and expires in ${minutes(ttlSeconds)}. If you did not ask for this, ignore this mail: nothing changes.`,
  });
}

// --- Security notices (decision 0022): they tell, they never act. No link in them signs
// in, confirms or undoes anything, and they carry no token, code or password; a mail
// that cannot be used is a mail a phisher cannot imitate usefully.

function noticeMail(to: string, subject: string, paragraphs: string[]): MailMessage {
  return {
    to,
    subject,
    text: `${paragraphs.join("\n\n")}\n`,
    html: [
      "<!doctype html>",
      `<html><body style="font-family: sans-serif">`,
      ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
      "</body></html>",
    ].join("\n"),
  };
}

/** Where and when, as the notices say it: "Chrome on Linux, from 192.0.2.1, at 2026-12-04 18:40 UTC". */
export type NoticeOrigin = { device: string; ip: string | null; at: Date };

function origin({ device, ip, at }: NoticeOrigin): string {
  const when = `${at.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  return `${device}${ip ? `, from ${ip}` : ""}, at ${when}`;
}

const NOT_YOU =
  "If this was not you, change your password at once and sign out the other sessions (Security and Sessions pages of your account). This mail contains no link on purpose: open the app yourself.";

export function newDeviceSignInMail(to: string, how: string, where: NoticeOrigin): MailMessage {
  return noticeMail(to, "New sign-in to your account", [
    `Your account ${to} was signed in to from a device it has not been used on before.`,
    `${how}: ${origin(where)}.`,
    NOT_YOU,
  ]);
}

export function passwordChangedMail(to: string, how: "changed" | "reset", where: NoticeOrigin): MailMessage {
  return noticeMail(to, "Your password was changed", [
    how === "reset"
      ? `The password of your account ${to} was reset with a link mailed to this address; every session was signed out.`
      : `The password of your account ${to} was changed; every other session was signed out.`,
    `Where: ${origin(where)}.`,
    NOT_YOU,
  ]);
}

/** To the old address: the one mailbox the account's owner surely still reads. */
export function emailChangedMail(to: string, maskedNewEmail: string, where: NoticeOrigin): MailMessage {
  return noticeMail(to, "Your email address was changed", [
    `Your account no longer uses ${to}: its address is now ${maskedNewEmail}. Mail about the account goes there from now on.`,
    `Where: ${origin(where)}.`,
    "If this was not you, your account may be in someone else's hands: use password reset from the new address if you still control it, or contact the service's support.",
  ]);
}

/** To an address that already has an account, when another account asked to take it. */
export function emailTakenMail(to: string): MailMessage {
  return noticeMail(to, "Someone tried to use your email address", [
    `Someone signed in to another account asked to change its address to ${to}. This address already belongs to your account, so nothing changed, and nothing will.`,
    "If this was you, sign in to your existing account instead. Otherwise you can ignore this mail.",
  ]);
}

export type FactorKind = "passkey" | "totp" | "recovery_codes";

const FACTOR_WORDS: Record<FactorKind, string> = {
  passkey: "A passkey",
  totp: "An authenticator app (one-time codes)",
  recovery_codes: "A new set of recovery codes",
};

export function factorChangedMail(
  to: string,
  change: { factor: FactorKind; action: "added" | "removed"; name?: string },
  where: NoticeOrigin,
): MailMessage {
  const what = `${FACTOR_WORDS[change.factor]}${change.name ? ` ("${change.name}")` : ""}`;
  const verb = change.factor === "recovery_codes" && change.action === "added" ? "was created" : `was ${change.action}`;
  return noticeMail(to, `Sign-in method ${change.action === "added" ? "added to" : "removed from"} your account`, [
    `${what} ${verb} on your account ${to}.`,
    `Where: ${origin(where)}.`,
    NOT_YOU,
  ]);
}

export function recoveryCodeUsedMail(to: string, remaining: number, where: NoticeOrigin): MailMessage {
  return noticeMail(to, "A recovery code was used", [
    `A recovery code of your account ${to} was used to sign in. ${remaining} unused code${remaining === 1 ? "" : "s"} left.`,
    `Where: ${origin(where)}.`,
    NOT_YOU,
  ]);
}

/** "j***@example.com": enough for the owner to recognise, not a full address to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}
