// The request id a client or proxy sends is copied into every log line of its request:
// only a plain token of safe characters is kept, so no header value can end a JSON line,
// forge another, or smuggle terminal escapes into a log reader (issue 26).
import { describe, expect, it } from "vitest";
import { acceptedRequestId } from "../../lib/observability/request-log";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("acceptedRequestId", () => {
  it.each(["abc", "req-0001", "0f8fad5b-d9cb-469f-a165-70867728950e", "trace:span/1.2@edge+x=y", "x".repeat(128)])(
    "keeps a sane id: %s",
    (id) => expect(acceptedRequestId(id)).toBe(id),
  );

  const insane = [
    "",
    "x".repeat(129),
    ...[
      "\n",
      "\r",
      "\r\n",
      "\t",
      " ",
      "\u0000",
      "\u001b[31m",
      "\u2028",
      "\u0085",
      '"',
      "\\",
      "{",
      "}",
      ",",
      "<",
      "%0a",
    ].map((bad) => `id${bad}forged`),
    "é",
    "ид",
    "id\u200bzero-width",
  ];
  it.each(insane)("replaces an insane id with a new UUID: %j", (id) => {
    const accepted = acceptedRequestId(id);
    expect(accepted).not.toBe(id);
    expect(accepted).toMatch(UUID);
  });

  it("makes a new UUID when none came, a different one each time", () => {
    expect(acceptedRequestId(null)).toMatch(UUID);
    expect(acceptedRequestId(null)).not.toBe(acceptedRequestId(null));
  });
});
