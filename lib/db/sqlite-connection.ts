// Prisma's own SQLite connection, for the one statement group where the query engine
// costs more than the work: the refresh hot path (lib/auth/refresh.ts,
// docs/decisions/0014-sqlite-hot-path.md). Each query through Prisma's client and
// adapter costs ~0.2 ms of CPU; better-sqlite3 runs a cached statement in ~0.01 ms, and
// a rotation is five of them (BEGIN, claim, insert, touch, COMMIT).
//
// Same connection, not a second one: a second connection in the same thread would wait
// synchronously (busy timeout) for a lock that an open Prisma transaction holds while
// it awaits, and that transaction cannot finish while the thread waits. Same lock too:
// a synchronous transaction run while a Prisma interactive transaction is open on the
// connection would become part of it (and of its rollback), so `transaction` waits for
// the lock every Prisma transaction takes here.
import type { Database, Statement } from "better-sqlite3";
import type {
  IsolationLevel,
  SqlDriverAdapter,
  SqlMigrationAwareDriverAdapterFactory,
  Transaction,
} from "@prisma/driver-adapter-utils";

/** A DateTime as @prisma/adapter-better-sqlite3 stores it (timestampFormat "iso8601"). */
export function sqliteTimestamp(date: Date): string {
  return date.toISOString().replace("Z", "+00:00");
}

/** One holder at a time, first come first served. */
class Lock {
  #tail: Promise<void> = Promise.resolve();

  acquire(): Promise<() => void> {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const acquired = this.#tail.then(() => release);
    this.#tail = this.#tail.then(() => held);
    return acquired;
  }
}

export type Prepare = (sql: string) => Statement<unknown[], unknown>;

export class SqliteConnection {
  #client: Database | null = null;
  #statements = new Map<string, Statement<unknown[], unknown>>();
  #lock = new Lock();
  #connect: () => Promise<void>;

  /** `connect` opens Prisma's connection if it is not open yet (PrismaClient.$connect). */
  constructor(connect: () => Promise<void>) {
    this.#connect = connect;
  }

  /** The factory to give PrismaClient: its connections report here and share the lock. */
  track(factory: SqlMigrationAwareDriverAdapterFactory): SqlMigrationAwareDriverAdapterFactory {
    return {
      provider: factory.provider,
      adapterName: factory.adapterName,
      connect: async () => this.#attach(await factory.connect()),
      connectToShadowDb: () => factory.connectToShadowDb(),
    };
  }

  /**
   * Runs `work` synchronously in one SQLite transaction on Prisma's connection, once no
   * Prisma transaction is open on it. Statements from `prepare` are compiled once.
   */
  async transaction<T>(work: (prepare: Prepare) => T): Promise<T> {
    if (!this.#client) await this.#connect();
    const release = await this.#lock.acquire();
    try {
      const client = this.#client;
      if (!client) throw new Error("the SQLite connection closed before the transaction ran");
      return client.transaction(() => work((sql) => this.#prepare(client, sql)))();
    } finally {
      release();
    }
  }

  #prepare(client: Database, sql: string): Statement<unknown[], unknown> {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = client.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  #attach(adapter: SqlDriverAdapter): SqlDriverAdapter {
    // @prisma/adapter-better-sqlite3 keeps its better-sqlite3 Database as `client`; the
    // adapter is pinned in package.json, and this check fails loudly if that changes.
    const client = (adapter as SqlDriverAdapter & { client?: Database }).client;
    if (typeof client?.prepare !== "function" || typeof client.transaction !== "function")
      throw new Error("@prisma/adapter-better-sqlite3 no longer exposes its connection as `client`");
    this.#client = client;
    this.#statements.clear();

    const startTransaction = adapter.startTransaction.bind(adapter);
    adapter.startTransaction = async (isolationLevel?: IsolationLevel): Promise<Transaction> => {
      const release = await this.#lock.acquire();
      try {
        return releasedOnEnd(await startTransaction(isolationLevel), release);
      } catch (error) {
        release();
        throw error;
      }
    };
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      this.#client = null;
      this.#statements.clear();
      await dispose();
    };
    return adapter;
  }
}

function releasedOnEnd(transaction: Transaction, release: () => void): Transaction {
  const commit = transaction.commit.bind(transaction);
  const rollback = transaction.rollback.bind(transaction);
  transaction.commit = () => commit().finally(release);
  transaction.rollback = () => rollback().finally(release);
  return transaction;
}
