// A request carrying this header skips the bench build's middleware (its matcher lists
// it under `missing`): the "no middleware at all" baseline for the same page.
export const BENCH_NO_MIDDLEWARE_HEADER = "x-bench-no-middleware";
