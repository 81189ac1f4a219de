import "server-only";
import { z } from "zod";
import type { Db } from "../db";
import type { ClientInfo } from "./audit";
import { emailSchema } from "./credentials";
import { MAX_PASSWORD_LENGTH } from "./password-rules";
import type { TokenPair } from "./refresh";
import { refreshWithinLimits } from "./refresh-request";
import { signInWithPassword } from "./sign-in";

// The token endpoint of RFC 6749 as a second front door to the same sign-in, rotation,
// reuse detection and rate limits as the cookie flow.

export type OAuthError = "invalid_request" | "invalid_grant" | "unsupported_grant_type" | "rate_limited";

export type GrantResult =
  { ok: true; tokens: TokenPair } | { ok: false; error: OAuthError; description: string; retryAfterSeconds?: number };

const clientName = z.string().trim().min(1).max(100).optional();

const passwordGrant = z.object({
  grant_type: z.literal("password"),
  // RFC 6749 §4.3 calls it username; `email` is accepted as well.
  username: emailSchema.optional(),
  email: emailSchema.optional(),
  password: z
    .string()
    .min(1)
    .refine((s) => [...s].length <= MAX_PASSWORD_LENGTH),
  client_name: clientName,
  scope: z.string().optional(),
});

const refreshGrant = z.object({
  grant_type: z.literal("refresh_token"),
  refresh_token: z.string().min(1),
  client_name: clientName,
  scope: z.string().optional(),
});

const invalidRequest = (description: string): GrantResult => ({ ok: false, error: "invalid_request", description });

export async function exchangeGrant(db: Db, params: Record<string, unknown>, client: ClientInfo): Promise<GrantResult> {
  switch (params.grant_type) {
    case "password": {
      const parsed = passwordGrant.safeParse(params);
      const email = parsed.success ? (parsed.data.username ?? parsed.data.email) : undefined;
      if (!parsed.success || !email) return invalidRequest("The password grant needs username and password.");
      const result = await signInWithPassword(
        db,
        { email, password: parsed.data.password },
        { ...client, clientName: parsed.data.client_name ?? null },
      );
      if (result.ok) return { ok: true, tokens: result.tokens };
      if (result.error === "rate_limited") {
        return {
          ok: false,
          error: "rate_limited",
          description: "Too many failed attempts.",
          retryAfterSeconds: result.retryAfterSeconds,
        };
      }
      return { ok: false, error: "invalid_grant", description: "The email or password is incorrect." };
    }
    case "refresh_token": {
      const parsed = refreshGrant.safeParse(params);
      if (!parsed.success) return invalidRequest("The refresh_token grant needs refresh_token.");
      const result = await refreshWithinLimits(db, parsed.data.refresh_token, client, "token_api");
      if (result.ok) return { ok: true, tokens: result.tokens };
      if (result.error === "rate_limited") {
        return {
          ok: false,
          error: "rate_limited",
          description: "Too many failed refreshes.",
          retryAfterSeconds: result.retryAfterSeconds,
        };
      }
      return { ok: false, error: "invalid_grant", description: `The refresh token is not valid (${result.error}).` };
    }
    case undefined:
      return invalidRequest("grant_type is required.");
    default:
      return { ok: false, error: "unsupported_grant_type", description: "Use grant_type password or refresh_token." };
  }
}
