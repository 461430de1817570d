// The voice library: cards still being prepared ask the portal for their status until it settles, then show their
// sample player (and enable a candidate's Keep button), without reloading the page.
(function () {
    const Interval = 1500;
    const pending = () => document.querySelectorAll(".voice-card[data-status-url]");

    function show(card, state) {
        const status = card.querySelector(".status");
        if (status && status.textContent !== state.status) {
            status.textContent = state.status;
            status.className = "status status-" + state.status;
        }
        card.dataset.status = state.status;
        if (state.fidelity) {
            const fidelity = card.querySelector(".fidelity");
            if (fidelity) fidelity.textContent = state.fidelity;
        }
        if (state.status === "ready" || state.status === "failed") {
            card.removeAttribute("data-status-url");
        }
        if (!state.ready) return;
        const audio = card.querySelector("audio[data-src]");
        if (audio && !audio.getAttribute("src")) {
            audio.src = audio.dataset.src;
            audio.hidden = false;
        }
        const waiting = card.querySelector(".waiting");
        if (waiting) waiting.hidden = true;
        for (const button of card.querySelectorAll("button[data-needs-ready]")) button.disabled = false;
    }

    async function poll() {
        const cards = pending();
        if (cards.length === 0) return;
        await Promise.all(Array.from(cards, async (card) => {
            try {
                const response = await fetch(card.dataset.statusUrl, { headers: { Accept: "application/json" }, credentials: "same-origin" });
                if (response.ok) show(card, await response.json());
            } catch {
                // offline for a moment: the next round asks again
            }
        }));
        if (pending().length > 0) setTimeout(poll, Interval);
    }

    if (pending().length > 0) setTimeout(poll, Interval);
})();
