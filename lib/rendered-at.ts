// One "now" per server render, handed to client components as their first "now", so the
// relative times they render in the browser match the server's HTML while hydrating.
export function renderedAt(): number {
  return Date.now();
}
