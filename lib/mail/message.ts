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
