-- A preset voice's style instruction ("speak happily"), which an engine that follows one applies to the preset's
-- speaker (Qwen3-TTS CustomVoice 1.7B); others design the voice from it or note that they ignore it.
alter table voices add column instruction text check (length(instruction) <= 1000);
