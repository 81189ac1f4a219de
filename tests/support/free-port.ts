// A free loopback port for a test server, from the kernel (listen on port 0, read it,
// close). `freePortSync` is for configuration files that must decide synchronously.
import { execFileSync } from "node:child_process";
import net from "node:net";

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/**
 * A free loopback port below Linux's ephemeral range (32768–60999), for the browser tests'
 * servers. Their ports are fixed when playwright.config.ts loads and taken a few seconds
 * later, while the HTTP tests beside them take ports from the kernel (port 0 above),
 * which serves the ephemeral range: drawn from there, one port was taken in between and
 * an e2e server failed with EADDRINUSE. Below it, only another such choice can collide,
 * and each one is checked by listening on it.
 */
export function freePortSync(): number {
  const probe = `
    const net = require("net");
    const attempt = () => {
      const port = 20000 + Math.floor(Math.random() * 12768);
      const server = net.createServer();
      server.once("error", attempt);
      server.listen(port, "127.0.0.1", () => { console.log(port); server.close(); });
    };
    attempt();`;
  return Number(execFileSync(process.execPath, ["-e", probe]).toString().trim());
}
