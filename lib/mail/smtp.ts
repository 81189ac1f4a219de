import "server-only";
import nodemailer, { type Transporter } from "nodemailer";
import type { MailMessage } from "./message";

let transporter: { url: string; instance: Transporter } | undefined;

// One pooled connection per process; nodemailer reads host, port, TLS (smtps://) and
// credentials from the URL.
function transporterFor(smtpUrl: string): Transporter {
  if (transporter?.url !== smtpUrl) transporter = { url: smtpUrl, instance: nodemailer.createTransport(smtpUrl) };
  return transporter.instance;
}

export async function sendOverSmtp(smtpUrl: string, from: string, message: MailMessage): Promise<void> {
  await transporterFor(smtpUrl).sendMail({ from, ...message });
}
