import { useEffect, useState } from "react";

/**
 * False until React has attached its handlers. Buttons of JavaScript-only forms stay
 * disabled until then, so an early click is not lost and an early submit does not fall
 * back to a GET that would put the password into the URL.
 */
export function useHydrated(): boolean {
  const [hydrated, setHydrated] = useState(false);
  // eslint-disable-next-line react-hooks/set-state-in-effect -- the point is the second render
  useEffect(() => setHydrated(true), []);
  return hydrated;
}
