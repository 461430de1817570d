-- Per-request audio controls: the result's sample rate (null: the platform's 24 kHz), a sampling seed, how early a
-- stream's first chunk leaves (0-4), and the text around this request (for audio joined to its neighbours).
alter table jobs
    add column requested_sample_rate integer check (requested_sample_rate in (8000, 16000, 22050, 24000, 44100, 48000)),
    add column seed integer check (seed >= 0),
    add column streaming_latency smallint check (streaming_latency between 0 and 4),
    add column previous_text text check (length(previous_text) <= 1000),
    add column next_text text check (length(next_text) <= 1000);

-- Its arguments change (the controls per job); Database/Functions/admit_jobs.sql creates it again. "If exists": on a new
-- database the functions are applied after every migration, so 0018's version was never created.
drop function if exists admit_jobs(uuid, uuid[], text[], text[], text[], text[], text[], text[], real[], integer[], bigint[], boolean[], boolean[], text[],
    date, integer, bigint, bigint);
