// Types of ./static-pages.mjs (plain JavaScript for next.config.js and server.mjs).
export const STATIC_PAGES: Record<string, string>;
export function staticPageCsp(scriptHashes: string[], options?: { development?: boolean }): string;
export function inlineScripts(html: string): string[];
export function sha256Source(script: string): string;
export function applyStaticPageCsp(distDir?: string): Record<string, number>;
