// The password worker pool (lib/auth/password-pool.ts): hashing leaves the event loop
// free, the queue is bounded, and a failing job does not take the pool down.
import fs from "node:fs";
import os from "node:os";
import { performance } from "node:perf_hooks";
import { describe, expect, it } from "vitest";
import { hashPassword, verifyPassword } from "@/lib/auth/password";
import { PasswordPool, PasswordPoolBusyError } from "@/lib/auth/password-pool";

/** The nice value of each thread of this process (Linux: /proc/self/task/<tid>/stat). */
function threadNiceValues(): number[] {
  return fs.readdirSync("/proc/self/task").map((tid) => {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces;
    // nice is field 19 of stat(5), the 17th after the name.
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[16]);
  });
}

/**
 * The share of the time `work` kept this thread's event loop busy (Node's event-loop
 * utilisation: time outside the wait for I/O). Unlike a timer's lateness it does not
 * grow when a busy machine leaves this thread without a core.
 */
async function eventLoopBusyShare(work: () => Promise<unknown>): Promise<number> {
  const before = performance.eventLoopUtilization();
  await work();
  return performance.eventLoopUtilization(before).utilization;
}

describe("password worker pool", () => {
  it("hashes and verifies at cost 12 without blocking the event loop", async () => {
    let hash = "";
    const busy = await eventLoopBusyShare(async () => {
      hash = await hashPassword("correct horse battery staple", 12);
      expect(await verifyPassword("correct horse battery staple", hash)).toBe(true);
    });
    expect(hash).toMatch(/^\$2[aby]\$12\$/);
    // bcryptjs on this thread keeps the loop busy nearly all along (slices of up to
    // 100 ms with a tick in between); in a worker this thread only waits for the answer.
    expect(busy).toBeLessThan(0.25);
  });

  it.runIf(fs.existsSync("/proc/thread-self"))(
    "runs its workers at the nice value it is given, and only them; at 0 it leaves them alone",
    async () => {
      const NICE = 10;
      const callerNice = os.getPriority();
      // Under a `nice` of NICE already, every new thread would count as lowered.
      expect(callerNice).toBeLessThan(NICE);
      const lowered = () => threadNiceValues().filter((nice) => nice === NICE).length;
      const hashTwice = (pool: PasswordPool) =>
        Promise.all(["a", "b"].map((input) => pool.run({ op: "hash", input, arg: 4 })));

      const before = lowered();
      await hashTwice(new PasswordPool(2, 0, NICE));
      expect(lowered() - before).toBe(2);
      // The calling thread (the request thread in a server) keeps its priority.
      expect(os.getPriority()).toBe(callerNice);

      const threads = threadNiceValues().length;
      await hashTwice(new PasswordPool(2, 0, 0));
      expect(threadNiceValues().length).toBe(threads + 2);
      expect(lowered() - before).toBe(2);
    },
  );

  it("refuses work beyond the queue bound with a retry delay, and serves again once drained", async () => {
    const pool = new PasswordPool(1, 1);
    const running = pool.run({ op: "hash", input: "a", arg: 8 });
    const queued = pool.run({ op: "hash", input: "b", arg: 8 });
    const refused = pool.run({ op: "hash", input: "c", arg: 8 });
    await expect(refused).rejects.toBeInstanceOf(PasswordPoolBusyError);
    await expect(refused).rejects.toMatchObject({ retryAfterSeconds: expect.any(Number) });
    expect(
      ((await refused.catch((e: PasswordPoolBusyError) => e)) as PasswordPoolBusyError).retryAfterSeconds,
    ).toBeGreaterThanOrEqual(1);
    await expect(running).resolves.toMatch(/^\$2[aby]\$08\$/);
    await expect(queued).resolves.toMatch(/^\$2[aby]\$08\$/);
    await expect(pool.run({ op: "verify", input: "a", arg: (await running) as string })).resolves.toBe(true);
  });

  it("runs as many jobs at once as it has workers, queueing none of them", async () => {
    const pool = new PasswordPool(3, 0);
    const jobs = ["a", "b", "c"].map((input) => pool.run({ op: "hash", input, arg: 6 }));
    await expect(pool.run({ op: "hash", input: "d", arg: 6 })).rejects.toBeInstanceOf(PasswordPoolBusyError);
    expect(await Promise.all(jobs)).toHaveLength(3);
  });

  it("reports a job that fails in the worker and keeps serving", async () => {
    const pool = new PasswordPool(1, 4);
    await expect(pool.run({ op: "verify", input: "a", arg: "not a bcrypt hash" })).resolves.toBe(false);
    // bcryptjs throws on a hash that is not a string ("Illegal arguments").
    const notAString = 5 as unknown as string;
    await expect(pool.run({ op: "verify", input: "a", arg: notAString })).rejects.toThrow(/password worker: Illegal/);
    await expect(pool.run({ op: "hash", input: "a", arg: 4 })).resolves.toMatch(/^\$2[aby]\$04\$/);
  });
});
