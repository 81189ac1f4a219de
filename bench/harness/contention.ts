// Contention: the share of the server's core that other processes took during a
// measurement (this machine may be running someone's build or tests at the same time).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import { PINNING, SERVER_CORE } from "./processes";
import { round } from "./stats";

export const contentionSamples: number[] = [];

export const CLOCK_TICKS = (() => {
  const result = spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" });
  return Number(result.stdout?.trim()) || 100;
})();

function readCoreTicks(core: string): { busy: number; total: number } | null {
  const line = fs
    .readFileSync("/proc/stat", "utf8")
    .split("\n")
    .find((l) => l.startsWith(`cpu${core} `));
  if (!line) return null;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  const idle = f[3]! + f[4]!;
  const total = f.reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

function processTicks(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(fields[11]) + Number(fields[12]);
}

/** CPU milliseconds (user + system) the process has used so far. */
export function processCpuMs(pid: number): number | null {
  try {
    return (processTicks(pid) * 1000) / CLOCK_TICKS;
  } catch {
    return null;
  }
}

/** Starts a measurement; the returned function gives the foreign share since then. */
export function startContention(serverPid: number | undefined): () => number | null {
  let before: { core: { busy: number; total: number } | null; server: number } | null = null;
  try {
    if (PINNING.pinned && serverPid !== undefined)
      before = { core: readCoreTicks(SERVER_CORE), server: processTicks(serverPid) };
  } catch {
    before = null;
  }
  return () => {
    if (!before?.core || serverPid === undefined) return null;
    try {
      const core = readCoreTicks(SERVER_CORE);
      if (!core) return null;
      const server = processTicks(serverPid);
      const total = core.total - before.core.total;
      if (total <= 0) return null;
      const foreign = Math.max(0, (core.busy - before.core.busy - (server - before.server)) / total);
      contentionSamples.push(foreign);
      return round(foreign, 3);
    } catch {
      return null;
    }
  };
}
