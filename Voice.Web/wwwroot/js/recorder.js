// Records a reference clip in the browser (MediaRecorder), turns it into a 16-bit mono WAV here (so the server
// gets a format it always reads, whatever codec the browser records in) and puts it in the form's file input.
(function () {
    const box = document.getElementById("recorder");
    const input = document.getElementById("recording");
    if (!box || !input || !navigator.mediaDevices || !window.MediaRecorder || !window.DataTransfer) return;
    box.hidden = false;
    const start = document.getElementById("record-start");
    const stop = document.getElementById("record-stop");
    const status = document.getElementById("record-status");
    const preview = document.getElementById("record-preview");
    const MaxSeconds = 60;
    let recorder, timer;

    start.addEventListener("click", async () => {
        let stream;
        try {
            stream = await navigator.mediaDevices.getUserMedia({ audio: { echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
        } catch (e) {
            status.textContent = "The microphone is not available: " + e.message;
            return;
        }
        const chunks = [];
        recorder = new MediaRecorder(stream);
        recorder.ondataavailable = (e) => { if (e.data.size > 0) chunks.push(e.data); };
        recorder.onstop = async () => {
            clearInterval(timer);
            stream.getTracks().forEach((t) => t.stop());
            start.disabled = false;
            stop.disabled = true;
            try {
                const wav = await toWav(new Blob(chunks, { type: recorder.mimeType }));
                const file = new File([wav.bytes], "recording.wav", { type: "audio/wav" });
                const transfer = new DataTransfer();
                transfer.items.add(file);
                input.files = transfer.files;
                preview.src = URL.createObjectURL(file);
                preview.hidden = false;
                status.textContent = `Recorded ${wav.seconds.toFixed(1)} s. It will be uploaded with the form.`;
            } catch (e) {
                status.textContent = "The recording could not be read: " + e.message;
            }
        };
        recorder.start(250);
        const began = Date.now();
        start.disabled = true;
        stop.disabled = false;
        status.textContent = "Recording… 0 s";
        timer = setInterval(() => {
            const s = Math.floor((Date.now() - began) / 1000);
            status.textContent = `Recording… ${s} s`;
            if (s >= MaxSeconds) recorder.stop();
        }, 500);
    });
    stop.addEventListener("click", () => { if (recorder && recorder.state === "recording") recorder.stop(); });

    async function toWav(blob) {
        const context = new AudioContext();
        try {
            const audio = await context.decodeAudioData(await blob.arrayBuffer());
            const n = audio.length, channels = audio.numberOfChannels, rate = audio.sampleRate;
            const mono = new Float32Array(n);
            for (let c = 0; c < channels; c++) {
                const data = audio.getChannelData(c);
                for (let i = 0; i < n; i++) mono[i] += data[i] / channels;
            }
            const bytes = new ArrayBuffer(44 + n * 2);
            const view = new DataView(bytes);
            const text = (offset, s) => { for (let i = 0; i < s.length; i++) view.setUint8(offset + i, s.charCodeAt(i)); };
            text(0, "RIFF"); view.setUint32(4, 36 + n * 2, true); text(8, "WAVE");
            text(12, "fmt "); view.setUint32(16, 16, true); view.setUint16(20, 1, true); view.setUint16(22, 1, true);
            view.setUint32(24, rate, true); view.setUint32(28, rate * 2, true); view.setUint16(32, 2, true); view.setUint16(34, 16, true);
            text(36, "data"); view.setUint32(40, n * 2, true);
            for (let i = 0; i < n; i++) {
                const v = Math.max(-1, Math.min(1, mono[i]));
                view.setInt16(44 + i * 2, v < 0 ? v * 0x8000 : v * 0x7fff, true);
            }
            return { bytes, seconds: n / rate };
        } finally {
            context.close();
        }
    }
})();
