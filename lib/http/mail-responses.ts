import "server-only";
import { errorMessage, logger } from "@/lib/observability/log";
import { jsonError } from "./responses";

/** The one answer to "mail me a link", whether or not the address has an account. */
export const ACCEPTED_FOR_MAIL = {
  message: "If an account exists for that address, a mail with a link is on its way. Check your inbox.",
};

export const mailUnavailable = (feature: string) =>
  jsonError(503, "mail_unavailable", `${feature} is not available: this server has no mail transport (SMTP_URL).`);

/**
 * Work for after() once the response has gone: its failure cannot reach the client any
 * more, so it is logged (without the link: it is a credential).
 */
export function sendInBackground(label: string, work: () => Promise<void>): () => Promise<void> {
  return async () => {
    try {
      await work();
    } catch (error) {
      logger().error({ reason: errorMessage(error) }, `Sending the ${label} mail failed`);
    }
  };
}
