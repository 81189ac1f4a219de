// Security notices (decision 0022): what the mails say and never carry, and how a device
// becomes known, against a real SQLite file.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noteSignInDevice } from "@/lib/auth/devices";
import {
  emailChangedMail,
  emailTakenMail,
  factorChangedMail,
  maskEmail,
  newDeviceSignInMail,
  passwordChangedMail,
  recoveryCodeUsedMail,
  type MailMessage,
} from "@/lib/mail/message";
import { createTestDatabase, type TestDatabase } from "../support/database";

const WHERE = { device: "Firefox on Linux", ip: "192.0.2.7", at: new Date("2026-12-04T18:40:12Z") };
const FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const CHROME =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

describe("notice mails", () => {
  const notices: [string, MailMessage][] = [
    ["new device", newDeviceSignInMail("a@example.com", "Signed in with a passkey", WHERE)],
    ["password changed", passwordChangedMail("a@example.com", "changed", WHERE)],
    ["password reset", passwordChangedMail("a@example.com", "reset", WHERE)],
    ["email changed", emailChangedMail("old@example.com", maskEmail("new@example.org"), WHERE)],
    ["address taken", emailTakenMail("a@example.com")],
    [
      "passkey added",
      factorChangedMail("a@example.com", { factor: "passkey", action: "added", name: "YubiKey" }, WHERE),
    ],
    ["totp removed", factorChangedMail("a@example.com", { factor: "totp", action: "removed" }, WHERE)],
    ["codes regenerated", factorChangedMail("a@example.com", { factor: "recovery_codes", action: "added" }, WHERE)],
    ["recovery code used", recoveryCodeUsedMail("a@example.com", 1, WHERE)],
  ];

  it.each(notices)("%s: no link, no image, the same words in text and HTML", (_label, mail) => {
    for (const body of [mail.text, mail.html]) expect(body).not.toMatch(/https?:\/\/|www\./);
    expect(mail.html).not.toMatch(/<a\s|<img|<iframe/i);
    const firstSentence = mail.text.split("\n")[0]!.replace(/"/g, "&quot;").replace(/'/g, "&#39;");
    expect(mail.html).toContain(firstSentence);
  });

  it("says what, with which device, from where and when", () => {
    const mail = newDeviceSignInMail("a@example.com", "Signed in with a passkey", WHERE);
    expect(mail.subject).toBe("New sign-in to your account");
    expect(mail.text).toContain("Signed in with a passkey: Firefox on Linux, from 192.0.2.7, at 2026-12-04 18:40 UTC.");
    expect(newDeviceSignInMail("a@example.com", "x", { ...WHERE, ip: null }).text).not.toContain(", from");
    expect(recoveryCodeUsedMail("a@example.com", 1, WHERE).text).toContain("1 unused code left");
    expect(recoveryCodeUsedMail("a@example.com", 0, WHERE).text).toContain("0 unused codes left");
    expect(factorChangedMail("a@example.com", { factor: "passkey", action: "removed" }, WHERE).subject).toBe(
      "Sign-in method removed from your account",
    );
  });

  it("escapes what the user named (a passkey's name) in the HTML", () => {
    const mail = factorChangedMail(
      "a@example.com",
      { factor: "passkey", action: "added", name: `<script>alert(1)</script><a href="https://evil.example">` },
      WHERE,
    );
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).not.toMatch(/<a\s/);
    expect(mail.html).toContain("&lt;script&gt;");
  });

  it("masks the new address in the notice to the old one", () => {
    expect(maskEmail("jane.doe@example.org")).toBe("j***@example.org");
    expect(maskEmail("x@y.example")).toBe("x***@y.example");
    expect(emailChangedMail("old@example.com", maskEmail("new@example.org"), WHERE).text).not.toContain(
      "new@example.org",
    );
  });
});

describe("known devices", () => {
  let t: TestDatabase;
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.cleanup());

  it("a device is new once, then known; the same cookie in another browser is new again", async () => {
    const id = "D".repeat(43);
    expect(await noteSignInDevice(t.db, t.demoUserId, id, FIREFOX)).toBe("new");
    expect(await noteSignInDevice(t.db, t.demoUserId, id, FIREFOX)).toBe("known");
    expect(await noteSignInDevice(t.db, t.demoUserId, id, CHROME)).toBe("new");
    expect(await noteSignInDevice(t.db, t.demoUserId, id, CHROME)).toBe("known");
    const rows = await t.db.knownDevice.findMany({ where: { userId: t.demoUserId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.deviceHash).not.toContain(id);
  });

  it("is per account: a browser known to one account is new to another", async () => {
    const other = await t.db.user.create({ data: { email: "other@example.com", passwordHash: "x" } });
    const id = "E".repeat(43);
    expect(await noteSignInDevice(t.db, t.demoUserId, id, FIREFOX)).toBe("new");
    expect(await noteSignInDevice(t.db, other.id, id, FIREFOX)).toBe("new");
  });

  it("calls a device new exactly once under a burst of concurrent sign-ins", async () => {
    const id = "F".repeat(43);
    const verdicts = await Promise.all(
      Array.from({ length: 8 }, () => noteSignInDevice(t.db, t.demoUserId, id, FIREFOX)),
    );
    expect(verdicts.filter((v) => v === "new")).toHaveLength(1);
  });
});
