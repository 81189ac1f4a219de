import "server-only";
import { randomUUID } from "node:crypto";
import { describeError, logger } from "./log";
import { requestContext, type RequestContext } from "./request-context";

// One line per request outcome on the auth routes, under the request id that ties it
// to the security events the request caused (./security-events.ts) and to any other
// line written while serving it (./log.ts adds the id to every line).

export const REQUEST_ID_HEADER = "x-request-id";

// A proxy's or client's id is kept so that lines can be joined across hops; anything
// else (too long, spaces, control characters that would forge a log line) is replaced.
const SANE_REQUEST_ID = /^[\w.:@/+=-]{1,128}$/;

/** The id this request is logged under: the incoming one when sane, else a new UUID. */
export function acceptedRequestId(incoming: string | null): string {
  return incoming !== null && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

// Logged: every path under these; the probes and the scrape (every few seconds, all
// alike) and the public metadata are not.
const LOGGED_PATH = /^\/api\/(auth|oauth|account|sessions|admin|me|demo)(\/|$)/;

function withRequestId(response: Response, requestId: string): Response {
  try {
    response.headers.set(REQUEST_ID_HEADER, requestId);
    return response;
  } catch {
    // Immutable headers (Response.redirect): the same answer, with headers of its own.
    const copy = new Response(response.body, response);
    copy.headers.set(REQUEST_ID_HEADER, requestId);
    return copy;
  }
}

// The error code of a JSON error answer ({ error, message }, or RFC 6749's { error }),
// which says more than the status alone. Read from a clone: the client gets the body.
async function errorCode(response: Response): Promise<string | undefined> {
  if (response.status < 400 || !response.headers.get("content-type")?.includes("json")) return undefined;
  try {
    const body: unknown = await response.clone().json();
    const error = (body as { error?: unknown } | null)?.error;
    return typeof error === "string" && /^[\w.-]{1,64}$/.test(error) ? error : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Runs a route handler in its request's context, echoes the request id in the answer,
 * and writes the request's line (auth routes only; query strings never, as they may
 * carry a code or a token). A handler that throws is logged with its error before
 * Next.js turns it into a 500.
 */
export async function runLoggedRequest(request: Request, handle: () => Promise<Response>): Promise<Response> {
  const context: RequestContext = {
    requestId: acceptedRequestId(request.headers.get(REQUEST_ID_HEADER)),
    userId: null,
    sessionId: null,
  };
  const path = new URL(request.url).pathname;
  const started = performance.now();
  const line = () => ({
    requestId: context.requestId,
    method: request.method,
    path,
    userId: context.userId ?? undefined,
    sessionId: context.sessionId ?? undefined,
    durationMs: Math.round((performance.now() - started) * 10) / 10,
  });
  let response: Response;
  try {
    response = await requestContext.run(context, handle);
  } catch (error) {
    logger().error({ ...line(), status: 500, exception: describeError(error) }, "request failed");
    throw error;
  }
  if (LOGGED_PATH.test(path)) {
    const { status } = response;
    const entry = { ...line(), status, error: await errorCode(response) };
    if (status >= 500) logger().warn(entry, "request");
    else logger().info(entry, "request");
  }
  return withRequestId(response, context.requestId);
}
