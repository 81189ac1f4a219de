export function devMailboxEnabled(env: Record<string, string | undefined>): boolean;
export function isLoopbackHost(host: string): boolean;
export function listenHost(requested: string | undefined, env: Record<string, string | undefined>): string;
