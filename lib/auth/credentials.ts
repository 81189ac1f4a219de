// Input schemas for the account forms. Edge-safe (zod only), so pages can share them.
import { z } from "zod";

export const MAX_EMAIL_LENGTH = 254;
// Only a bound on work: a sign-in never rejects a password for its content.
export const MAX_LOGIN_PASSWORD_LENGTH = 1024;

export const emailSchema = z
  .string({ error: "Email is required." })
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

export const loginSchema = z.object({
  email: emailSchema,
  password: z
    .string({ error: "Password is required." })
    .min(1, "Password is required.")
    .max(MAX_LOGIN_PASSWORD_LENGTH, "Password is too long."),
  next: z.string().optional(),
});

export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The request is invalid.";
}
