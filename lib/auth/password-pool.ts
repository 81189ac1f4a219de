import "server-only";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { getConfig } from "../config";

// bcryptjs is pure JavaScript: at cost 12 one hash is a few hundred milliseconds of CPU,
// and on the request thread every refresh and page of the instance waits behind it. So
// hashing and comparing run in worker threads, one per core, with a bounded queue: when
// it is full the caller gets PasswordPoolBusyError (the login route answers 503 +
// Retry-After) instead of a wait that grows without limit. See
// docs/decisions/0019-password-worker-pool.md.
//
// The worker's code is this string, run with `eval: true`, not a file: Next.js bundles
// the server code into .next/server/chunks/, where no worker file sits next to this
// module, and a string needs no path under vitest and tsx either. Its
// `require("bcryptjs")` resolves from the working directory, the project root, which is
// where `next start`, server.mjs, vitest and the npm scripts all run.
//
// The workers run at a lower priority than the request thread (PASSWORD_WORKER_NICE, 10 by
// default; Linux keeps a nice value per thread, set through the thread's id, which only
// /proc/thread-self tells). With one worker per core, a burst of sign-ins takes every
// core, and at equal priority the request thread waited its turn among them: refresh
// p99 during 20 sign-ins was 4.9 × its p99 alone on 2 cores. A lower priority hands the
// request thread a core the moment it has work. Not the lowest: nice applies against
// every process on the machine, and at 19 a sign-in on a busy machine waited for
// seconds (a cost-10 hash beside six busy processes: 20 s; 2.6 s at nice 10, 0.3 s at 0).
// Elsewhere (no /proc) the workers keep the process's priority; setting it there would
// lower the whole process.
const WORKER_SOURCE = `
const { parentPort, workerData } = require("node:worker_threads");
const bcrypt = require("bcryptjs");
if (workerData.nice > 0) {
  try {
    const threadId = Number(require("node:fs").readlinkSync("/proc/thread-self").split("/").pop());
    require("node:os").setPriority(threadId, workerData.nice);
  } catch {}
}
parentPort.on("message", ({ op, input, arg }) => {
  try {
    const result = op === "hash" ? bcrypt.hashSync(input, arg) : bcrypt.compareSync(input, arg);
    parentPort.postMessage({ ok: true, result });
  } catch (error) {
    parentPort.postMessage({ ok: false, message: String((error && error.message) || error) });
  }
});
`;

export type PasswordJob = { op: "hash"; input: string; arg: number } | { op: "verify"; input: string; arg: string };

type Task = {
  job: PasswordJob;
  resolve: (value: string | boolean) => void;
  reject: (error: Error) => void;
};

type Reply = { ok: true; result: string | boolean } | { ok: false; message: string };

/** The queue is full: try again in `retryAfterSeconds`. */
export class PasswordPoolBusyError extends Error {
  constructor(readonly retryAfterSeconds: number) {
    super(`The password workers are busy; try again in ${retryAfterSeconds} s.`);
    this.name = "PasswordPoolBusyError";
  }
}

/** One worker thread, one task at a time. */
class Slot {
  dead = false;
  private task: Task | null = null;
  private startedAt = 0;
  private readonly worker: Worker;

  constructor(
    nice: number,
    private readonly onDone: (slot: Slot, ms: number | null) => void,
  ) {
    this.worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { nice } });
    // An idle worker must not keep a script (seed, a test) alive; a busy one must, or
    // the process could exit with the caller's promise pending.
    this.worker.unref();
    this.worker.on("message", (reply: Reply) => {
      const task = this.take();
      if (reply.ok) task?.resolve(reply.result);
      else task?.reject(new Error(`password worker: ${reply.message}`));
      this.onDone(this, performance.now() - this.startedAt);
    });
    this.worker.on("error", (error) => this.fail(error));
    this.worker.on("exit", (code) => this.fail(new Error(`password worker exited with code ${code}`)));
  }

  start(task: Task): void {
    this.task = task;
    this.startedAt = performance.now();
    this.worker.ref();
    this.worker.postMessage(task.job);
  }

  private take(): Task | null {
    const task = this.task;
    this.task = null;
    this.worker.unref();
    return task;
  }

  private fail(error: Error): void {
    if (this.dead) return;
    this.dead = true;
    this.take()?.reject(error);
    void this.worker.terminate();
    this.onDone(this, null);
  }
}

export class PasswordPool {
  private readonly idle: Slot[] = [];
  private readonly queue: Task[] = [];
  private workers = 0;
  // Recent task time (exponential average), for Retry-After.
  private averageMs = 250;

  constructor(
    readonly size: number,
    readonly queueLimit: number,
    /** The workers' nice value (0: the process's priority). */
    readonly nice = 0,
  ) {}

  run(job: PasswordJob): Promise<string | boolean> {
    return new Promise((resolve, reject) => {
      const task = { job, resolve, reject };
      const slot = this.idle.pop() ?? (this.workers < this.size ? this.spawn() : null);
      if (slot) return slot.start(task);
      if (this.queue.length >= this.queueLimit) return reject(new PasswordPoolBusyError(this.retryAfterSeconds()));
      this.queue.push(task);
    });
  }

  /** Seconds until the queue as it is now has drained (at least 1). */
  private retryAfterSeconds(): number {
    const rounds = Math.ceil((this.queue.length + 1) / this.size);
    return Math.max(1, Math.ceil((rounds * this.averageMs) / 1000));
  }

  // Workers start on demand: a script that hashes once starts one.
  private spawn(): Slot {
    this.workers++;
    return new Slot(this.nice, (slot, ms) => {
      if (ms !== null) this.averageMs = 0.8 * this.averageMs + 0.2 * ms;
      if (slot.dead) {
        this.workers--;
        if (this.idle.includes(slot)) this.idle.splice(this.idle.indexOf(slot), 1);
        // A crashed worker is replaced for whatever waits.
        const next = this.queue.shift();
        if (next) this.spawn().start(next);
        return;
      }
      const next = this.queue.shift();
      if (next) slot.start(next);
      else this.idle.push(slot);
    });
  }
}

// One pool per process (also across Next's development reloads of this module).
const globalForPool = globalThis as unknown as { passwordPool?: PasswordPool };

export function passwordPool(): PasswordPool {
  if (!globalForPool.passwordPool) {
    const { passwordWorkers, passwordQueueLimit, passwordWorkerNice } = getConfig();
    globalForPool.passwordPool = new PasswordPool(
      passwordWorkers ?? availableParallelism(),
      passwordQueueLimit,
      passwordWorkerNice,
    );
  }
  return globalForPool.passwordPool;
}
