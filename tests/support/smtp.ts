// A real SMTP server in the test process (smtp-server, from the nodemailer authors): the
// app under test delivers to it over TCP like to any mail relay, with authentication.
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";
import { freePort } from "./server";

export type ReceivedMail = { to: string; subject: string; text: string; html: string; from: string };

export type TestMailServer = {
  /** What the app's SMTP_URL should be. */
  url: string;
  mails: ReceivedMail[];
  /**
   * Waits for a mail to `to` (with this subject, if given) that has not been taken before,
   * and takes it. The subject matters where security notices (a new-device sign-in, a
   * password change) arrive in between.
   */
  nextMailTo(to: string, filter?: { subject?: string; timeoutMs?: number }): Promise<ReceivedMail>;
  stop(): Promise<void>;
};

const USER = "mailer";
const PASSWORD = "smtp-test-password";

export async function startMailServer(): Promise<TestMailServer> {
  const mails: ReceivedMail[] = [];
  const taken = new Set<ReceivedMail>();
  const server = new SMTPServer({
    // Plain SMTP on loopback: no certificate to manage in a test.
    disabledCommands: ["STARTTLS"],
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (auth.username === USER && auth.password === PASSWORD) callback(null, { user: USER });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, _session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const to = Array.isArray(parsed.to) ? parsed.to[0] : parsed.to;
          mails.push({
            to: to?.value[0]?.address ?? "",
            from: parsed.from?.value[0]?.address ?? "",
            subject: parsed.subject ?? "",
            text: parsed.text ?? "",
            html: typeof parsed.html === "string" ? parsed.html : "",
          });
          callback();
        })
        .catch(callback);
    },
  });
  // The app sends notices after it has answered (lib/auth/notifications.ts), so a test's
  // last request can leave a mail in flight when the app is stopped: that client hanging
  // up mid-conversation is not a failure of the test. Any other server error still is.
  server.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "ECONNRESET" || error.code === "EPIPE") return;
    throw error;
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));

  return {
    url: `smtp://${USER}:${PASSWORD}@127.0.0.1:${port}`,
    mails,
    async nextMailTo(to, { subject, timeoutMs = 30_000 } = {}) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const mail = mails.find(
          (m) => m.to === to && !taken.has(m) && (subject === undefined || m.subject === subject),
        );
        if (mail) {
          taken.add(mail);
          return mail;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(
        `no mail to ${to}${subject ? ` "${subject}"` : ""} within ${timeoutMs} ms (received: ${mails.map((m) => m.to).join(", ")})`,
      );
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The first link in a mail's plain-text body. */
export function linkIn(mail: ReceivedMail): URL {
  const match = mail.text.match(/https?:\/\/\S+/);
  if (!match) throw new Error(`no link in mail "${mail.subject}":\n${mail.text}`);
  return new URL(match[0]);
}
