// Input schemas for the account forms. Edge-safe (zod only), so pages can share them.
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

export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The request is invalid.";
}
