// Which address server.mjs listens on. The development mailbox (/dev/mailbox) shows every
// mailed link (password resets included) to whoever can open the page, so while it is on
// the server stays on loopback: it listens on 127.0.0.1 unless told otherwise, and a
// non-loopback address is refused (issue 22, finding 14). The mailbox is on exactly when
// mailConfig() in lib/config.ts says so; tests/unit/listen-host.test.ts checks they agree.

/** Whether the app will serve the development mailbox with this environment. */
export function devMailboxEnabled(env) {
  if (env.SMTP_URL) return false;
  if (env.DEV_MAILBOX === "enabled") return true;
  return env.NODE_ENV === "development" && env.DEV_MAILBOX !== "disabled";
}

export function isLoopbackHost(host) {
  const bare = host.replace(/^\[(.*)\]$/, "$1").toLowerCase();
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}

/**
 * The address to listen on: the one asked for (-H or HOSTNAME), else all interfaces, or
 * 127.0.0.1 while the development mailbox is on. Throws when the mailbox is on and the
 * address asked for is not loopback.
 */
export function listenHost(requested, env) {
  const mailbox = devMailboxEnabled(env);
  if (!requested) return mailbox ? "127.0.0.1" : "0.0.0.0";
  if (mailbox && !isLoopbackHost(requested)) {
    throw new Error(
      `The development mailbox is on (DEV_MAILBOX=enabled, or development without SMTP_URL) and shows every ` +
        `mailed link to whoever opens /dev/mailbox, so the server will not listen on ${requested}. ` +
        `Listen on loopback (-H 127.0.0.1), or set SMTP_URL or DEV_MAILBOX=disabled.`,
    );
  }
  return requested;
}
