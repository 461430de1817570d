#!/usr/bin/env python3
"""Speak a text with Voice's native API, using only the standard library.

Submits the text (POST /api/v1/voice/generate -> 202 and a task id), follows the task until it finishes
(GET /api/v1/task/{id}), then downloads the audio from its signed result_url.

    VOICE_URL=http://localhost:5080 VOICE_API_KEY=$(cat .voice/demo-api-key) python3 speak.py "Hello!" hello.mp3
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request

BASE_URL = os.environ.get("VOICE_URL", "http://localhost:5080").rstrip("/")
API_KEY = os.environ["VOICE_API_KEY"]
DEADLINE_SECONDS = 120  # give up on a task that has not finished by then


def call(method, url, body=None):
    """One JSON request with the API key; returns (status, headers, parsed body)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Authorization": f"Bearer {API_KEY}",
        "Content-Type": "application/json",
        "Accept": "application/json",
    })
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, json.load(response)
    except urllib.error.HTTPError as error:  # 4xx/5xx: RFC 9457 problem details
        return error.code, error.headers, json.loads(error.read() or b"{}")


def retry_after(headers, default):
    try:
        return max(float(headers.get("Retry-After", default)), 0)
    except ValueError:
        return default


def speak(text, out_path, voice="nova", audio_format="mp3"):
    # 1. Submit: 202 Accepted with the task's id and status_url.
    while True:
        status, headers, body = call("POST", f"{BASE_URL}/api/v1/voice/generate",
                                     {"text": text, "voice": voice, "language": "en", "format": audio_format})
        if status != 429:
            break
        time.sleep(retry_after(headers, 1))  # rate limited: wait as long as the API asks
    if status not in (200, 202):
        raise SystemExit(f"generate answered {status}: {body}")
    task_id, status_url = body["task_id"], body["status_url"]
    print(f"task {task_id} queued", file=sys.stderr)

    # 2. Follow the task, a little less often the longer it takes, until it finishes or the deadline passes.
    deadline = time.monotonic() + DEADLINE_SECONDS
    interval = 0.25
    while True:
        status, headers, task = call("GET", status_url)
        if status == 200 and task["status"] == "completed":
            break
        if status == 200 and task["status"] in ("failed", "canceled"):
            raise SystemExit(f"task {task_id} {task['status']}: {task.get('error')}")
        if status not in (200, 429, 503):
            raise SystemExit(f"task status answered {status}: {task}")
        wait = retry_after(headers, interval)
        if time.monotonic() + wait > deadline:
            raise SystemExit(f"task {task_id} did not finish within {DEADLINE_SECONDS} s")
        time.sleep(wait)
        interval = min(interval * 1.5, 2.0)

    # 3. Download: result_url is signed (valid for an hour) and needs no key.
    with urllib.request.urlopen(task["result_url"], timeout=60) as response, open(out_path, "wb") as out:
        out.write(response.read())
    print(f"{out_path}: {task['result']['duration_seconds']:.2f} s of {task['result']['format']}", file=sys.stderr)


if __name__ == "__main__":
    speak(sys.argv[1] if len(sys.argv) > 1 else "Hello from Voice!",
          sys.argv[2] if len(sys.argv) > 2 else "hello.mp3")
