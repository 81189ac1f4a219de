import "server-only";
import { AsyncLocalStorage } from "node:async_hooks";

// Which request the running code serves: its id, and its session and user once known.
// Everything a route handler runs, lib code included, sees it through AsyncLocalStorage,
// so log lines carry them without threading them through every call. Set up by
// lib/observability/request-log.ts, around every route handler.

export type RequestContext = { requestId: string; userId: string | null; sessionId: string | null };

// On globalThis for the reason metrics.ts gives: one store whatever chunk a module is in.
const globalForRequests = globalThis as typeof globalThis & {
  __authRequestContext?: AsyncLocalStorage<RequestContext>;
};
export const requestContext = (globalForRequests.__authRequestContext ??= new AsyncLocalStorage<RequestContext>());

export function currentRequestId(): string | undefined {
  return requestContext.getStore()?.requestId;
}

/**
 * Whose request this is, once known (a token pair issued, a session looked up, an audit
 * event written); the first session and user named stay.
 */
export function noteRequestSubject(subject: { userId?: string | null; sessionId?: string | null }): void {
  const context = requestContext.getStore();
  if (!context) return;
  context.userId ??= subject.userId ?? null;
  context.sessionId ??= subject.sessionId ?? null;
}
