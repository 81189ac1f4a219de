// Who is on the other end of a request, as far as the server can tell: recorded on
// sessions and audit events and used by rate limits. Built from a request by
// lib/http/client-info.ts; the auth core only ever receives it.
export type ClientInfo = {
  ip: string | null;
  userAgent: string | null;
  /** What a non-browser client calls itself (OAuth client_name), shown as its device. */
  clientName?: string | null;
};
