import { describe, expect, it } from "vitest";
import { passwordResetMail, verificationMail } from "../../lib/mail/message";

const hostile = `https://app.example/reset-password?token=abc&x="><script>alert(1)</script>`;

describe("mail bodies", () => {
  it.each([
    ["reset", passwordResetMail("a@example.com", hostile, 1800)],
    ["verification", verificationMail("a@example.com", hostile)],
  ])("%s: plain text carries the raw link, HTML escapes it, nothing tracks", (_label, mail) => {
    expect(mail.text).toContain(hostile);
    expect(mail.html).not.toContain("<script>");
    expect(mail.html).toContain("&lt;script&gt;");
    expect(mail.html).toContain("&quot;&gt;");
    expect(mail.html).not.toMatch(/<img|<iframe|utm_|open-tracking/i);
    expect(mail.html.match(/<a /g)).toHaveLength(1);
  });

  it("tells how long a reset link lasts", () => {
    expect(passwordResetMail("a@example.com", "https://x/", 1800).text).toContain("30 minutes");
    expect(passwordResetMail("a@example.com", "https://x/", 60).text).toContain("1 minute.");
  });
});
