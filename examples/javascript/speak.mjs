// Speak a text with Voice's native API, with Node 18+'s global fetch and nothing to install.
// Submits the text (POST /api/v1/voice/generate -> 202 and a task id), follows the task until it finishes
// (GET /api/v1/task/{id}), then downloads the audio from its signed result_url.
//
//   VOICE_URL=http://localhost:5080 VOICE_API_KEY=$(cat .voice/demo-api-key) node speak.mjs "Hello!" hello.mp3
import { writeFile } from "node:fs/promises";

const baseUrl = (process.env.VOICE_URL ?? "http://localhost:5080").replace(/\/$/, "");
const apiKey = process.env.VOICE_API_KEY;
if (!apiKey) throw new Error("Set VOICE_API_KEY (e.g. $(cat .voice/demo-api-key)).");
const deadlineMs = 120_000; // give up on a task that has not finished by then

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const retryAfterMs = (response, fallbackMs) => {
  const seconds = Number(response.headers.get("retry-after"));
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : fallbackMs;
};

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${apiKey}`, "Content-Type": "application/json", Accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { response, json: await response.json().catch(() => ({})) };
}

export async function speak(text, outPath, { voice = "nova", format = "mp3" } = {}) {
  // 1. Submit: 202 Accepted with the task's id and status_url (a 429 says how long to wait in Retry-After).
  let submitted;
  for (;;) {
    submitted = await call("POST", `${baseUrl}/api/v1/voice/generate`, { text, voice, language: "en", format });
    if (submitted.response.status !== 429) break;
    await sleep(retryAfterMs(submitted.response, 1000));
  }
  if (!submitted.response.ok) throw new Error(`generate answered ${submitted.response.status}: ${JSON.stringify(submitted.json)}`);
  const { task_id: taskId, status_url: statusUrl } = submitted.json;
  console.error(`task ${taskId} queued`);

  // 2. Follow the task, a little less often the longer it takes, until it finishes or the deadline passes.
  const deadline = Date.now() + deadlineMs;
  let intervalMs = 250;
  let task;
  for (;;) {
    const { response, json } = await call("GET", statusUrl);
    if (response.ok && json.status === "completed") { task = json; break; }
    if (response.ok && (json.status === "failed" || json.status === "canceled")) {
      throw new Error(`task ${taskId} ${json.status}: ${JSON.stringify(json.error)}`);
    }
    if (!response.ok && response.status !== 429 && response.status !== 503) {
      throw new Error(`task status answered ${response.status}: ${JSON.stringify(json)}`);
    }
    const waitMs = retryAfterMs(response, intervalMs);
    if (Date.now() + waitMs > deadline) throw new Error(`task ${taskId} did not finish within ${deadlineMs / 1000} s`);
    await sleep(waitMs);
    intervalMs = Math.min(intervalMs * 1.5, 2000);
  }

  // 3. Download: result_url is signed (valid for an hour) and needs no key.
  const audio = await fetch(task.result_url, { signal: AbortSignal.timeout(60_000) });
  if (!audio.ok) throw new Error(`download answered ${audio.status}`);
  await writeFile(outPath, Buffer.from(await audio.arrayBuffer()));
  console.error(`${outPath}: ${task.result.duration_seconds.toFixed(2)} s of ${task.result.format}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await speak(process.argv[2] ?? "Hello from Voice!", process.argv[3] ?? "hello.mp3");
}
