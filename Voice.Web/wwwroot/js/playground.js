// Follows a submitted task until its audio is ready, then plays it. No framework, no build step.
(function () {
    const section = document.getElementById("task");
    if (!section) return;
    const id = section.dataset.taskId;
    const status = document.getElementById("task-status");
    const player = document.getElementById("player");
    const download = document.getElementById("download");
    let delay = 250;

    async function poll() {
        const response = await fetch(`/tasks/${id}/status`, { headers: { Accept: "application/json" } });
        if (!response.ok) { status.textContent = "unknown task"; return; }
        const task = await response.json();
        status.textContent = task.error ? `${task.status}: ${task.error}` : task.status;
        if (task.ready) {
            player.src = download.href = `/tasks/${id}/audio`;
            download.download = `${id}.wav`;
            player.hidden = download.hidden = false;
            return;
        }
        if (task.status === "failed" || task.status === "canceled") return;
        delay = Math.min(delay * 1.5, 2000);
        setTimeout(poll, delay);
    }
    poll();
})();
