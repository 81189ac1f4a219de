// Password length rules, shared by the server's schemas and the browser forms. Kept free
// of zod so client bundles stay small (and zod's eval probe never meets the page CSP).
// NIST SP 800-63B: at least 8 characters, allow at least 64, no composition rules.
export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;
