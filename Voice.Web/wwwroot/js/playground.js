// The playground's progressive enhancement (no framework, no build step): follows a submitted task live over
// server-sent events (polling when the stream is unavailable), then plays it; keeps the code snippets in step
// with the form.
(function () {
    const section = document.getElementById("task");
    if (section) follow(section.dataset.taskId);

    function follow(id) {
        const status = document.getElementById("task-status");
        const progress = document.getElementById("task-progress");
        const player = document.getElementById("player");
        const download = document.getElementById("download");
        let finished = false;

        async function refresh() {
            const response = await fetch(`/tasks/${id}/status`, { headers: { Accept: "application/json" } });
            if (!response.ok) { status.textContent = "unknown task"; finished = true; return null; }
            const task = await response.json();
            status.textContent = task.error ? `${task.status}: ${task.error}` : task.status;
            if (task.ready) {
                player.src = download.href = `/tasks/${id}/audio`;
                download.download = `${id}.${task.format}`;
                download.textContent = `Download ${task.format.toUpperCase()}`;
                player.hidden = download.hidden = false;
                progress.hidden = true;
            }
            finished = task.ready || ["completed", "failed", "canceled"].includes(task.status);
            return task;
        }

        let delay = 250;
        async function poll() {
            await refresh();
            if (finished) return;
            delay = Math.min(delay * 1.5, 2000);
            setTimeout(poll, delay);
        }

        if (!window.EventSource) { poll(); return; }
        const source = new EventSource(`/tasks/${id}/events`);
        const onEvent = (event) => {
            const data = JSON.parse(event.data);
            status.textContent = data.status;
            if (typeof data.progress === "number") { progress.hidden = false; progress.value = data.progress; }
            if (["task.completed", "task.failed", "task.canceled"].includes(event.type)) {
                source.close();
                refresh();
            }
        };
        for (const type of ["task.queued", "task.running", "task.progress", "task.completed", "task.failed", "task.canceled"]) {
            source.addEventListener(type, onEvent);
        }
        source.onerror = () => { source.close(); if (!finished) poll(); };
    }

    // Snippets: rebuilt from the form's current values as they change.
    const form = document.getElementById("generate-form");
    const snippets = document.getElementById("snippets");
    if (!form || !snippets) return;
    const api = snippets.dataset.api;
    const curl = document.getElementById("snippet-curl");
    const openai = document.getElementById("snippet-openai");
    const python = (s) => JSON.stringify(s);
    function update() {
        const v = (name) => form.elements[name].value;
        const speed = Number(v("Speed")) || 1;
        const model = v("ModelId"); // empty: automatic, the API routes by the voice
        const body = JSON.stringify({ text: v("Text"), voice: v("Voice"), language: v("Language"), format: v("Format"), speed, ...(model && { model }) });
        curl.textContent = `curl -X POST '${api}/api/v1/voice/generate' \\\n  -H "Authorization: Bearer $VOICE_API_KEY" \\\n  -H 'Content-Type: application/json' \\\n  -d '${body.replaceAll("'", "'\\''")}'`;
        openai.textContent = `import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url="${api}/v1", api_key=os.environ["VOICE_API_KEY"])\n` +
            `with client.audio.speech.with_streaming_response.create(\n    model=${python(model || "tts-1")}, voice=${python(v("Voice"))}, input=${python(v("Text"))},\n` +
            `    response_format="${v("Format")}", speed=${speed},\n) as response:\n    response.stream_to_file("speech.${v("Format")}")`;
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
})();
