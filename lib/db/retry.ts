// Transactions that lose to a concurrent one (PostgreSQL deadlock or serialization
// failure, Prisma's P2034) are safe to run again from the start: nothing they wrote was
// committed. A handful of tries, then the error goes up.
import { Prisma } from "../generated/prisma/client";

const RETRYABLE_DRIVER_CODES = new Set(["40001", "40P01"]); // serialization_failure, deadlock_detected

function isRetryable(error: unknown): boolean {
  if (error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2034") return true;
  const code = (error as { cause?: { originalCode?: unknown } } | null)?.cause?.originalCode;
  return typeof code === "string" && RETRYABLE_DRIVER_CODES.has(code);
}

export async function retryOnConflict<T>(run: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt * Math.random()));
    }
  }
}
