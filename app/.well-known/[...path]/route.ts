import { jsonError } from "@/lib/http/responses";

// Clients probe well-known URLs (openid-configuration, oauth-protected-resource…) and
// parse the answer as JSON: an unknown one is a JSON 404, not the HTML not-found page.
function notFound() {
  return jsonError(404, "not_found", "No such well-known resource.");
}

export { notFound as GET, notFound as HEAD, notFound as POST };
