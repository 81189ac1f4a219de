import type { NextRequest } from "next/server";
import { clearAuthCookies, readAuthCookies } from "@/lib/auth/edge/cookies";
import { signOut } from "@/lib/auth/sign-out";
import { getDb } from "@/lib/db";
import { clientInfo } from "@/lib/http/client-info";
import { empty, seeOther } from "@/lib/http/responses";
import { answeringUnavailable } from "@/lib/http/unavailable";

export const POST = answeringUnavailable(async function POST(request: NextRequest) {
  await signOut(getDb(), readAuthCookies(request.cookies), clientInfo(request));
  // A plain HTML form (no JavaScript) navigates, and a browser navigation asks for
  // HTML: it should land somewhere useful. fetch() and API clients get 204.
  const navigating = (request.headers.get("accept") ?? "").includes("text/html");
  const response = navigating ? seeOther("/login?signedOut=1") : empty();
  clearAuthCookies(response.cookies);
  return response;
});
