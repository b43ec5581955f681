/**
 * A worker serving a run seeded with N stored log events: `seed-run` writes the run by direct SQL
 * into a fresh data directory (the worker must not be running on it then), then `serve` starts on
 * it with no executors. Stopped (TERM, then KILL) and the directory removed afterwards.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { promisify } from "node:util";
import { workerBinary } from "../fixtures/worker";

const run = promisify(execFile);
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:\d+)/;

export interface SeededWorker {
  baseURL: string;
  jobId: string;
  runId: string;
  /** Wall time of `seed-run`, in ms. */
  seedMs: number;
  stop: () => Promise<void>;
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((done) => {
    const timer = setTimeout(() => {
      done(false);
    }, ms);
    child.once("exit", () => {
      clearTimeout(timer);
      done(true);
    });
  });
}

export async function startSeededWorker(events: number): Promise<SeededWorker> {
  if (!existsSync(workerBinary)) {
    throw new Error(`worker binary not found at ${workerBinary}: build it (cargo build) or set MERGELOOM_BIN`);
  }
  const dataDir = await mkdtemp(join(tmpdir(), "mergeloom-bench-"));
  const seedStart = Date.now();
  let ids: { job_id: string; run_id: string };
  try {
    const { stdout } = await run(workerBinary, ["seed-run", "--data-dir", dataDir, "--events", String(events)], {
      maxBuffer: 1 << 20,
    });
    ids = JSON.parse(stdout.trim()) as { job_id: string; run_id: string };
  } catch (err) {
    await rm(dataDir, { recursive: true, force: true });
    throw err;
  }
  const seedMs = Date.now() - seedStart;

  const child = spawn(workerBinary, ["serve", "--port", "0", "--data-dir", dataDir, "--executors", "0"], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, RUST_LOG: "warn" },
  });
  let log = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString();
  });
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      if (!(await exited(child, 5_000))) {
        child.kill("SIGKILL");
        await exited(child, 5_000);
      }
    }
    await rm(dataDir, { recursive: true, force: true });
  };
  try {
    const baseURL = await new Promise<string>((resolveURL, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`worker did not print "listening on" within 30 s:\n${log}`));
      }, 30_000);
      createInterface({ input: child.stdout! }).on("line", (line) => {
        log += `${line}\n`;
        const match = LISTENING.exec(line);
        if (match?.[1]) {
          clearTimeout(timer);
          resolveURL(match[1]);
        }
      });
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`worker exited (${code ?? signal}) before listening:\n${log}`));
      });
    });
    return { baseURL, jobId: ids.job_id, runId: ids.run_id, seedMs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
