// Input schemas of the auth and account routes (zod): what a request body must hold before
// a route hands it to the auth core. Only route handlers use them.
import { z } from "zod";
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from "./password-rules";

export const MAX_EMAIL_LENGTH = 254;

const characters = (s: string) => [...s].length;

export const emailSchema = z
  .string({ error: "Email is required." })
  .trim()
  .toLowerCase()
  .max(MAX_EMAIL_LENGTH, "Email is too long.")
  .pipe(z.email("Enter a valid email address."));

// Signing in never judges a password's content, only bounds the work it costs.
const existingPassword = (label: string) =>
  z
    .string({ error: `${label} is required.` })
    .min(1, `${label} is required.`)
    .refine((s) => characters(s) <= MAX_PASSWORD_LENGTH, `${label} is too long.`);

const newPasswordSchema = z
  .string({ error: "Password is required." })
  .refine((s) => characters(s) >= MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters.`)
  .refine((s) => characters(s) <= MAX_PASSWORD_LENGTH, `Use at most ${MAX_PASSWORD_LENGTH} characters.`);

export const loginSchema = z.object({
  email: emailSchema,
  password: existingPassword("Password"),
  next: z.string().optional(),
});

export const registerSchema = z.object({
  email: emailSchema,
  password: newPasswordSchema,
});

export const changePasswordSchema = z.object({
  currentPassword: existingPassword("Current password"),
  newPassword: newPasswordSchema,
});

// Mail links (issue 16). Tokens are checked by their own module; here only bounded.
const linkToken = z.string({ error: "The link is incomplete." }).min(1, "The link is incomplete.").max(128);

export const emailOnlySchema = z.object({ email: emailSchema });

export const passwordResetSchema = z.object({ token: linkToken, password: newPasswordSchema });

export const verifyEmailSchema = z.object({ token: linkToken });

export const deleteAccountSchema = z.object({ password: existingPassword("Password") });

export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The request is invalid.";
}
