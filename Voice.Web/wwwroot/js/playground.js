// The playground's progressive enhancement (no framework, no build step): follows a submitted task live over
// server-sent events (polling when the stream is unavailable), then plays it; keeps the character counter and
// the code snippets (the same as PlaygroundSnippets.cs writes) in step with the form.
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
                const name = section.dataset.name || `${id}.${task.format}`;
                player.src = `/tasks/${id}/audio`;
                download.href = `/tasks/${id}/audio?name=${encodeURIComponent(name)}`;
                download.download = name;
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

    const form = document.getElementById("generate-form");
    if (!form) return;
    const v = (name) => form.elements[name].value;

    // The counter: this request against the per-request limit and what is left of the month.
    const counter = document.getElementById("char-count");
    const used = document.getElementById("char-used");
    function count() {
        const length = v("Text").length;
        const limit = Number(counter.dataset.limit);
        const left = counter.dataset.left === "" ? null : Number(counter.dataset.left);
        used.textContent = length.toLocaleString("en-US");
        counter.classList.toggle("over", length > limit || (left !== null && length > left));
    }
    if (counter && used) { form.elements.Text.addEventListener("input", count); count(); }

    // Snippets: rebuilt from the form's current values as they change.
    const snippets = document.getElementById("snippets");
    if (!snippets) return;
    const api = snippets.dataset.api;
    const quote = (s) => JSON.stringify(s);
    function update() {
        const speed = Number(v("Speed")) || 1;
        const model = v("ModelId") || "tts-1"; // the OpenAI alias: the API routes by the voice
        const format = v("Format");
        const file = `speech.${format}`;
        const body = JSON.stringify({ model, input: v("Text"), voice: v("Voice"), language: v("Language"), response_format: format, speed });
        const set = (id, text) => { document.getElementById(id).textContent = text; };
        set("snippet-curl", `curl -X POST '${api}/v1/audio/speech' \\\n  -H "Authorization: Bearer $VOICE_API_KEY" \\\n` +
            `  -H 'Content-Type: application/json' \\\n  -d '${body.replaceAll("'", "'\\''")}' \\\n  -o ${file}`);
        set("snippet-openai", `import os\nfrom openai import OpenAI\n\nclient = OpenAI(base_url="${api}/v1", api_key=os.environ["VOICE_API_KEY"])\n` +
            `with client.audio.speech.with_streaming_response.create(\n    model=${quote(model)}, voice=${quote(v("Voice"))}, input=${quote(v("Text"))},\n` +
            `    response_format=${quote(format)}, speed=${speed}, extra_body={"language": ${quote(v("Language"))}},\n) as response:\n    response.stream_to_file("${file}")`);
        set("snippet-js", `// Node 18 or later: node speech.mjs\nimport { writeFile } from "node:fs/promises";\n\nconst response = await fetch("${api}/v1/audio/speech", {\n` +
            `  method: "POST",\n  headers: { Authorization: \`Bearer \${process.env.VOICE_API_KEY}\`, "Content-Type": "application/json" },\n` +
            `  body: JSON.stringify(${body}),\n});\nif (!response.ok) throw new Error(await response.text());\n` +
            `await writeFile("${file}", Buffer.from(await response.arrayBuffer()));`);
        set("snippet-csharp", `using System.Net.Http.Headers;\nusing System.Text;\n\nusing var http = new HttpClient();\n` +
            `http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Environment.GetEnvironmentVariable("VOICE_API_KEY"));\n` +
            `var body = new StringContent("""${body}""", Encoding.UTF8, "application/json");\n` +
            `using var response = await http.PostAsync("${api}/v1/audio/speech", body);\nresponse.EnsureSuccessStatusCode();\n` +
            `await using var file = File.Create("${file}");\nawait response.Content.CopyToAsync(file);`);
        for (const name of snippets.querySelectorAll(".snippet-file")) name.textContent = file;
    }
    form.addEventListener("input", update);
    form.addEventListener("change", update);
})();
