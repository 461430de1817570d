// BullMQ round trip on the same Redis as Voice's benchmark: add → worker (no-op) → completed.
// Usage: node bench.mjs <redis port> <burst jobs> <paced rate/s> <paced seconds> <concurrency>
import { Queue, Worker, QueueEvents } from "bullmq";

const [port, burstJobs, rate, seconds, concurrency] = process.argv.slice(2).map(Number);
const connection = { host: "127.0.0.1", port, maxRetriesPerRequest: null };

function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : 0;
}

async function run(name, jobs, schedule) {
  const queue = new Queue(name, { connection });
  const done = new Map();
  let completed = 0;
  let resolveAll;
  const all = new Promise((r) => (resolveAll = r));
  const worker = new Worker(name, async () => null, {
    connection, concurrency, removeOnComplete: { count: 0 }, removeOnFail: { count: 0 },
  });
  worker.on("completed", (job) => {
    done.set(job.id, performance.now());
    if (++completed === jobs) resolveAll();
  });
  await worker.waitUntilReady();
  const scheduled = new Map();
  const started = performance.now();
  await schedule(queue, scheduled, started);
  await all;
  const elapsed = (performance.now() - started) / 1000;
  const latencies = [...done].map(([id, at]) => at - scheduled.get(id)).sort((a, b) => a - b);
  await worker.close();
  await queue.obliterate({ force: true });
  await queue.close();
  return { jobs, seconds: elapsed, jobsPerSecond: jobs / elapsed,
    p50: percentile(latencies, 50), p90: percentile(latencies, 90), p99: percentile(latencies, 99), max: latencies.at(-1) };
}

const burst = await run("voice-bench-burst", burstJobs, async (queue, scheduled, started) => {
  const batch = 500;
  for (let i = 0; i < burstJobs; i += batch) {
    const jobs = [];
    for (let j = i; j < Math.min(burstJobs, i + batch); j++) {
      jobs.push({ name: "n", data: { i: j }, opts: { jobId: `j${j}` } });
      scheduled.set(`j${j}`, started);
    }
    await queue.addBulk(jobs);
  }
});

const pacedJobs = rate * seconds;
const paced = await run("voice-bench-paced", pacedJobs, async (queue, scheduled, started) => {
  const adds = [];
  for (let i = 0; i < pacedJobs; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    scheduled.set(`j${i}`, due); // latency from the intended arrival: no coordinated omission
    adds.push(queue.add("n", { i }, { jobId: `j${i}` }));
  }
  await Promise.all(adds);
});

console.log(JSON.stringify({ burst, paced }));
process.exit(0);
