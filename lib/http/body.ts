// Reads a JSON or form body with a size cap, so handlers only ever see parsed values.
import { jsonError } from "./responses";
import type { NextResponse } from "next/server";

export const MAX_BODY_BYTES = 8 * 1024;

export type BodyResult = { ok: true; value: unknown; isForm: boolean } | { ok: false; response: NextResponse };

const invalid = (message: string): BodyResult => ({ ok: false, response: jsonError(400, "invalid_request", message) });

async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array | null> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > maxBytes) return null;
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

export async function readBody(request: Request, maxBytes = MAX_BODY_BYTES): Promise<BodyResult> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const isForm = type === "application/x-www-form-urlencoded";
  if (type !== "application/json" && !isForm) {
    return invalid("Send the body as application/json or application/x-www-form-urlencoded.");
  }
  const bytes = await readCapped(request, maxBytes);
  if (!bytes) return invalid(`The request body is larger than ${maxBytes} bytes.`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return invalid("The request body is not valid UTF-8.");
  }
  if (isForm) return { ok: true, value: Object.fromEntries(new URLSearchParams(text)), isForm };
  try {
    return { ok: true, value: JSON.parse(text) as unknown, isForm };
  } catch {
    return invalid("The request body is not valid JSON.");
  }
}
