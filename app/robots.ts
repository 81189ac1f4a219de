import type { MetadataRoute } from "next";

// Nothing behind sign-in is for crawlers; the API is for clients, not indexes.
export default function robots(): MetadataRoute.Robots {
  return { rules: { userAgent: "*", allow: "/", disallow: ["/api/", "/dashboard"] } };
}
