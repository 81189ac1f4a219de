// Database errors that a caller can answer as bad input rather than as a 500.
import { Prisma } from "../generated/prisma/client";

/** A row referred to another that is gone (P2003), e.g. a grant whose user was deleted meanwhile. */
export function isForeignKeyViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2003";
}

/** A unique constraint refused the row (P2002): someone else wrote it first. */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === "P2002";
}
