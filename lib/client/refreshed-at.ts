// When a tab of this origin last rotated the refresh token: a timestamp, not a token.
// A tab reads it under the cross-tab refresh lock (lib/client/auth-fetch.ts), right after
// another tab wrote it and let the lock go, so the read must see that write.
// localStorage does not promise that: Chromium copies a write to the other tabs'
// renderer processes afterwards, and a tab that took the lock at once read the old
// value and rotated a second time (e2e/refresh.short-ttl.spec.ts, "two tabs", on a
// loaded machine). IndexedDB does: its transactions run in one place, in order, and one
// begun after another committed sees its writes. localStorage stays the fallback where
// IndexedDB cannot be opened.

const DATABASE = "auth";
const STORE = "marks";
const KEY = "refreshed-at";
const FALLBACK_KEY = "auth:refreshed-at";

let opened: Promise<IDBDatabase> | null = null;

function openDatabase(): Promise<IDBDatabase> {
  opened ??= new Promise<IDBDatabase>((resolve, reject) => {
    const request = indexedDB.open(DATABASE, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => {
      const database = request.result;
      // Closed under us (storage cleared, another version opened): open it again next time
      // rather than fall back to localStorage for the rest of this tab's life.
      database.onclose = () => (opened = null);
      database.onversionchange = () => {
        database.close();
        opened = null;
      };
      resolve(database);
    };
    request.onerror = () => reject(request.error ?? new Error("IndexedDB could not be opened"));
  }).catch((error: unknown) => {
    opened = null;
    throw error;
  });
  return opened;
}

/** Runs one request in its own transaction and resolves once the transaction has committed. */
async function inTransaction<T>(mode: IDBTransactionMode, ask: (store: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  const transaction = (await openDatabase()).transaction(STORE, mode);
  const request = ask(transaction.objectStore(STORE));
  return new Promise<T>((resolve, reject) => {
    transaction.oncomplete = () => resolve(request.result);
    transaction.onerror = () => reject(transaction.error ?? new Error("IndexedDB transaction failed"));
    transaction.onabort = () => reject(transaction.error ?? new Error("IndexedDB transaction aborted"));
  });
}

const hasIndexedDB = () => typeof indexedDB !== "undefined";

/** The last rotation by any tab (ms since the epoch), 0 if none is known. */
export async function readRefreshedAt(): Promise<number> {
  if (hasIndexedDB()) {
    try {
      return Number((await inTransaction("readonly", (store) => store.get(KEY))) ?? 0);
    } catch {
      // Fall through: a browser that refuses IndexedDB (some private modes) still has this.
    }
  }
  return Number(localStorage.getItem(FALLBACK_KEY) ?? 0);
}

/** Records a rotation; resolves when every tab's next read sees it. */
export async function writeRefreshedAt(at: number): Promise<void> {
  if (hasIndexedDB()) {
    try {
      await inTransaction("readwrite", (store) => store.put(at, KEY));
      return;
    } catch {
      // As above.
    }
  }
  localStorage.setItem(FALLBACK_KEY, String(at));
}
