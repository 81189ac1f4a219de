// Parameters of an OAuth endpoint: form-encoded (RFC 6749 §3.2), each at most once.
import { MAX_BODY_BYTES } from "./body";

export type OAuthParams = Record<string, string>;

export type ParamsResult = { ok: true; params: OAuthParams } | { ok: false; description: string };

export async function readOAuthParams(request: Request): Promise<ParamsResult> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    return { ok: false, description: "Send the parameters as application/x-www-form-urlencoded." };
  }
  if (Number(request.headers.get("content-length") ?? "0") > MAX_BODY_BYTES) {
    return { ok: false, description: `The request body is larger than ${MAX_BODY_BYTES} bytes.` };
  }
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) {
    return { ok: false, description: `The request body is larger than ${MAX_BODY_BYTES} bytes.` };
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return { ok: false, description: "The request body is not valid UTF-8." };
  }
  const params: OAuthParams = {};
  for (const [name, value] of new URLSearchParams(text)) {
    // §3.2: "Request and response parameters MUST NOT be included more than once."
    if (Object.hasOwn(params, name)) return { ok: false, description: `The parameter ${name} is repeated.` };
    params[name] = value;
  }
  return { ok: true, params };
}
