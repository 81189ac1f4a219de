// Child processes, CPU pinning and cleanup: every process the bench starts is tracked
// here and stopped on errors and Ctrl-C, and the temporary directory is removed.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { options, ROOT } from "./options";

export function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

export function tail(text: string, lines = 25): string {
  return text.split("\n").slice(-lines).join("\n");
}

export function firstLines(text: unknown, n: number): string {
  return String(text)
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .join(" | ")
    .slice(0, 500);
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function hasTaskset(): boolean {
  return spawnSync("taskset", ["-c", "0", "true"], { stdio: "ignore" }).status === 0;
}

export const CORES = os.availableParallelism?.() ?? os.cpus().length;

export type Pinning = { pinned: true; server: string; load: string } | { pinned: false; note: string };

export const PINNING: Pinning = hasTaskset()
  ? CORES >= 2
    ? { pinned: true, server: "taskset -c 0", load: "taskset -c 1" }
    : { pinned: false, note: "only one core: server and load generator share it (unpinned)" }
  : { pinned: false, note: "taskset not found: server and load generator run unpinned" };
export const SERVER_CORE = "0";
export const LOAD_CORE = "1";

export function pinned(core: string, command: string, args: string[]): [string, string[]] {
  return PINNING.pinned ? ["taskset", ["-c", core, command, ...args]] : [command, args];
}

const children = new Set<ChildProcess>();
const cleanups: Array<() => Promise<void>> = [];
let cleaningUp: Promise<void> | undefined;
let tempRoot: string | undefined;

export function isStopping(): boolean {
  return cleaningUp !== undefined;
}

export function track(child: ChildProcess): void {
  children.add(child);
}

export function untrack(child: ChildProcess): void {
  children.delete(child);
}

export function onCleanup(fn: () => Promise<void>): void {
  cleanups.push(fn);
}

/** The run's temporary directory (builds, databases, logs), made on first use. */
export function temp(...parts: string[]): string {
  tempRoot ??= fs.mkdtempSync(path.join(os.tmpdir(), "next-auth-bench-"));
  return path.join(tempRoot, ...parts);
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly stdout: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

type RunOptions = { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; label?: string };

/** Runs a command to completion; resolves with its output, rejects on failure or timeout. */
export function run(
  command: string,
  args: string[],
  { cwd = ROOT, env = process.env, timeoutMs = 600_000, label = command }: RunOptions = {},
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    if (cleaningUp) return reject(new Error("stopping"));
    const child = spawn(command, args, { cwd, env, stdio: ["ignore", "pipe", "pipe"] });
    track(child);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", (error) => {
      clearTimeout(timer);
      untrack(child);
      reject(error);
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      untrack(child);
      if (code === 0) resolve({ stdout, stderr });
      else
        reject(
          new CommandError(`${label} failed (${signal ?? `exit ${code}`}):\n${tail(stderr || stdout)}`, stdout, stderr),
        );
    });
  });
}

export function lastJsonLine<T>(text: string): T {
  const line = text
    .trim()
    .split("\n")
    .reverse()
    .find((l) => l.startsWith("{"));
  if (!line) throw new Error(`no JSON in output:\n${tail(text)}`);
  return JSON.parse(line) as T;
}

export function cleanup(): Promise<void> {
  cleaningUp ??= (async () => {
    for (const child of children) if (child.exitCode === null) child.kill("SIGKILL");
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (error) {
        log(`cleanup: ${errorMessage(error)}`);
      }
    }
    if (tempRoot && !options.keepTemp) {
      // The copies link to the repository's node_modules: unlink, never follow.
      for (const entry of fs.readdirSync(tempRoot, { withFileTypes: true })) {
        if (!entry.isDirectory()) continue;
        const link = path.join(tempRoot, entry.name, "node_modules");
        if (fs.lstatSync(link, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(link);
      }
      fs.rmSync(tempRoot, { recursive: true, force: true });
    } else if (tempRoot) {
      log(`temporary files kept in ${tempRoot}`);
    }
  })();
  return cleaningUp;
}

export function stopOnSignals(): void {
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(signal, () => {
      log(`${signal}: stopping servers and cleaning up`);
      void cleanup().finally(() => process.exit(130));
    });
  }
}
