// Which driver errors mean "the database cannot store anything" (lib/db/outage.ts): the
// startup check refuses to serve on them, and a request that meets one is answered 503. By
// class: each SQLite primary code with its extended codes, in each shape they come in,
// and the lookalikes that must not match.
import { describe, expect, it } from "vitest";
import { isDatabaseUnavailable, storageRefusal } from "@/lib/db/outage";

const SQLITE_REFUSALS = {
  SQLITE_FULL: [],
  SQLITE_IOERR: ["SQLITE_IOERR_WRITE", "SQLITE_IOERR_FSYNC", "SQLITE_IOERR_SHMSIZE", "SQLITE_IOERR_TRUNCATE"],
  SQLITE_READONLY: ["SQLITE_READONLY_DIRECTORY", "SQLITE_READONLY_DBMOVED", "SQLITE_READONLY_CANTINIT"],
  SQLITE_CANTOPEN: ["SQLITE_CANTOPEN_NOTEMPDIR", "SQLITE_CANTOPEN_ISDIR"],
};
const refusals = [
  ...Object.entries(SQLITE_REFUSALS).flatMap(([primary, extended]) => [primary, ...extended]),
  "53100",
  "25006",
];
const others = [
  "SQLITE_CONSTRAINT_UNIQUE",
  "SQLITE_BUSY",
  "SQLITE_FULLNESS",
  "SQLITE_IOERRATIC",
  "XSQLITE_FULL",
  "sqlite_full",
  "23505",
  "531000",
  "",
];

// As the driver adapter throws it, as Prisma wraps it in a known request error, and as
// better-sqlite3 throws it on the SQLite refresh path (lib/db/sqlite-connection.ts).
const shapes = {
  "better-sqlite3": (code: string) => Object.assign(new Error("driver"), { name: "SqliteError", code }),
  adapter: (code: string) =>
    Object.assign(new Error("driver"), { cause: { originalCode: code, originalMessage: "m" } }),
  prisma: (code: string) =>
    Object.assign(new Error("prisma"), { meta: { driverAdapterError: { cause: { code, message: "m" } } } }),
};

describe.each(Object.entries(shapes))("storage refusals (%s shape)", (_, shape) => {
  it.each(refusals)("%s: the database cannot store; a request is answered 503", (code) => {
    expect(storageRefusal(shape(code))?.code).toBe(code);
    expect(isDatabaseUnavailable(shape(code))).toBe(true);
  });

  it.each(others)("%j is something else", (code) => {
    expect(storageRefusal(shape(code))).toBeUndefined();
    expect(isDatabaseUnavailable(shape(code))).toBe(false);
  });
});
