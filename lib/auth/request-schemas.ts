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

export const changeEmailSchema = z.object({ newEmail: emailSchema });

export const confirmEmailChangeSchema = z.object({ token: linkToken });

export const deleteAccountSchema = z.object({ password: existingPassword("Password") });

export function firstIssue(error: z.ZodError): string {
  return error.issues[0]?.message ?? "The request is invalid.";
}

// Second factor and step-up (issue 23). A code is bounded here and judged by lib/auth/mfa.
const code = z
  .string({ error: "Enter the code." })
  .trim()
  .min(1, "Enter the code.")
  .max(64, "That is not a code from your authenticator or a recovery code.");

export const secondFactorSchema = z.object({
  method: z.enum(["totp", "recovery_code"], { error: 'method must be "totp" or "recovery_code".' }),
  code,
  next: z.string().optional(),
});

export const totpConfirmSchema = z.object({ code });

// Passkeys (issue 23): what @simplewebauthn/browser sends, bounded before the library
// parses it. The library checks every field's meaning; here only shape and size.
const base64url = (max: number) =>
  z
    .string({ error: "The passkey response is incomplete." })
    .min(1, "The passkey response is incomplete.")
    .max(max, "The passkey response is too large.")
    .regex(/^[A-Za-z0-9_-]+$/, "The passkey response is not base64url.");

const TRANSPORTS = ["ble", "cable", "hybrid", "internal", "nfc", "smart-card", "usb"] as const;
const credentialCommon = {
  id: base64url(1366),
  rawId: base64url(1366),
  type: z.literal("public-key", { error: "Not a public-key credential." }),
  authenticatorAttachment: z.enum(["platform", "cross-platform"]).optional(),
  clientExtensionResults: z.object({}).loose().default({}),
};

export const registrationResponseSchema = z.object({
  ...credentialCommon,
  response: z.object({
    clientDataJSON: base64url(4096),
    attestationObject: base64url(16_384),
    authenticatorData: base64url(4096).optional(),
    transports: z.array(z.enum(TRANSPORTS)).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(4096).optional(),
  }),
});

export const authenticationResponseSchema = z.object({
  ...credentialCommon,
  response: z.object({
    clientDataJSON: base64url(4096),
    authenticatorData: base64url(4096),
    signature: base64url(1024),
    userHandle: base64url(128).optional(),
  }),
});

/** POST /api/auth/reauth: the password, a code of the second factor, or a passkey's answer. */
export const reauthSchema = z.union(
  [
    z.object({ method: z.literal("password").optional(), password: existingPassword("Password") }),
    z.object({ method: z.enum(["totp", "recovery_code"]), code }),
    z.object({ method: z.literal("passkey"), response: authenticationResponseSchema }),
  ],
  {
    error: 'Send {"password"}, {"method": "totp" | "recovery_code", "code"} or {"method": "passkey", "response"}.',
  },
);

export const passkeyNameSchema = z
  .string({ error: "Name the passkey." })
  .trim()
  .min(1, "Name the passkey.")
  .refine((s) => characters(s) <= 64, "Use at most 64 characters for the name.")
  // Control characters (NUL, which PostgreSQL refuses, among them) have no place in a label.
  .refine((s) => !/\p{Cc}/u.test(s), "Use letters, digits and punctuation in the name.");

export const addPasskeySchema = z.object({
  name: passkeyNameSchema.optional(),
  response: registrationResponseSchema,
});

export const renamePasskeySchema = z.object({ name: passkeyNameSchema });

export const passkeySignInSchema = z.object({ response: authenticationResponseSchema });
