import { getDb } from "@/lib/db";
import { json } from "@/lib/http/responses";

export async function GET() {
  try {
    await getDb().$queryRaw`SELECT 1`;
    return json({ status: "ok", db: "ok" });
  } catch (error) {
    console.error("health check: database unreachable", error);
    return json({ status: "error", db: "unreachable" }, { status: 503 });
  }
}
