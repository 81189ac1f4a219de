import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../lib/config";

const base = { APP_URL: "http://127.0.0.1:3000" };

describe("mail configuration", () => {
  it("sends over SMTP whenever SMTP_URL is set", () => {
    for (const NODE_ENV of ["development", "production", "test"]) {
      const { mail } = loadConfig({ ...base, NODE_ENV, SMTP_URL: "smtps://u:p@mail.example.com:465" });
      expect(mail).toEqual({
        transport: "smtp",
        smtpUrl: "smtps://u:p@mail.example.com:465",
        from: "Token Auth Reference <no-reply@127.0.0.1>",
      });
    }
    expect(loadConfig({ ...base, SMTP_URL: "smtp://h:25", MAIL_FROM: "a@b.c" }).mail).toMatchObject({ from: "a@b.c" });
  });

  it("uses the dev mailbox in development, and prints links to the log only there", () => {
    expect(loadConfig({ ...base, NODE_ENV: "development" }).mail).toMatchObject({
      transport: "dev-mailbox",
      logLinks: true,
    });
    expect(loadConfig({ ...base, NODE_ENV: "production", DEV_MAILBOX: "enabled" }).mail).toMatchObject({
      transport: "dev-mailbox",
      logLinks: false,
    });
  });

  it("has no mail in production or tests without SMTP_URL, and then refuses to require verified emails", () => {
    for (const NODE_ENV of ["production", "test"]) {
      expect(loadConfig({ ...base, NODE_ENV }).mail).toEqual({ transport: "none" });
      expect(() => loadConfig({ ...base, NODE_ENV, REQUIRE_VERIFIED_EMAIL: "true" })).toThrow(ConfigError);
    }
    expect(
      loadConfig({ ...base, NODE_ENV: "production", SMTP_URL: "smtp://h:25", REQUIRE_VERIFIED_EMAIL: "true" }),
    ).toMatchObject({ requireVerifiedEmail: true });
  });

  it("refuses the dev mailbox on a public APP_URL", () => {
    for (const APP_URL of ["https://auth.example.com", "http://10.0.0.5:3000", "http://127.0.0.1.example.com"]) {
      expect(() => loadConfig({ APP_URL, NODE_ENV: "production", DEV_MAILBOX: "enabled" })).toThrow(/loopback/);
    }
  });

  it("refuses SMTP_URLs that are not smtp:// or smtps://", () => {
    for (const SMTP_URL of ["http://mail.example.com", "mail.example.com:25", "ftp://x"]) {
      expect(() => loadConfig({ ...base, SMTP_URL })).toThrow(ConfigError);
    }
  });

  it("defaults the reset link lifetime to 30 minutes", () => {
    expect(loadConfig(base).resetTokenTtlSeconds).toBe(1800);
    expect(loadConfig({ ...base, RESET_TOKEN_TTL_SECONDS: "60" }).resetTokenTtlSeconds).toBe(60);
  });
});
