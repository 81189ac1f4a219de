/** Why .next is not a production build of the current sources, or null when it is. */
export function staleBuildReason(): string | null;
/** True when .next holds a production build newer than every source file that goes into it. */
export function buildIsCurrent(): boolean;
