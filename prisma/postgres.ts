// Throwaway PostgreSQL databases, for migration diffs and tests.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { parseIntoClientConfig } from "pg-connection-string";

// Where migration diffs and tests create their throwaway databases by default.
export const DEFAULT_POSTGRES_URL = "postgres://postgres@127.0.0.1:5432/postgres";

async function admin<T>(serverUrl: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(parseIntoClientConfig(serverUrl));
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the server of `serverUrl`; returns its URL and a drop(). */
export async function createPostgresDatabase(
  serverUrl: string,
  prefix = "auth_test",
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  await admin(serverUrl, (c) => c.query(`CREATE DATABASE "${name}"`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.href,
    drop: () => admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => {}),
  };
}
