// "Copy" buttons: data-copy names the input (its value) or element (its text) that goes to the clipboard.
for (const button of document.querySelectorAll("button[data-copy]")) {
    button.addEventListener("click", async () => {
        const input = document.querySelector(button.dataset.copy);
        await navigator.clipboard.writeText(input.value ?? input.textContent);
        button.textContent = "Copied";
    });
}
