-- Dialogue: one job (kind 'dialogue') speaks several turns, each in its own voice, with a pause between turns. Its text
-- is the turns' texts end to end, so admission, quotas and the usage record count it like any speech job; dialogue
-- holds each turn's voice, language and length in that text, and the pause. Once spoken, turn_starts_ms holds when
-- each turn starts in the audio (the task's usage per voice).
alter table jobs
    drop constraint jobs_kind_check,
    add constraint jobs_kind_check check (kind in ('speech', 'voice', 'dialogue')),
    add column dialogue jsonb check (dialogue is null or jsonb_typeof(dialogue) = 'object'),
    add column turn_starts_ms integer[];

-- Its arguments change (a dialogue per job); Database/Functions/admit_jobs.sql creates it again ("if exists": on a new
-- database the functions are applied after every migration, so 0019's version was never created).
drop function if exists admit_jobs(uuid, uuid[], text[], text[], text[], text[], text[], text[], real[], integer[], bigint[], boolean[], boolean[], text[],
    integer[], integer[], smallint[], text[], text[], date, integer, bigint, bigint);
