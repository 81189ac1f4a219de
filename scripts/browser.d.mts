/** undefined means "Playwright's bundled browser"; null means none was found. */
export function findChromium(): string | undefined | null;
