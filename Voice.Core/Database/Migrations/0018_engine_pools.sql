-- Engine pools: each job is routed at submission to the pool (the workers serving one engine and model, by name) that
-- will speak it, and waits in that pool's lanes. Jobs written before pools existed have no pool: the reconciler queues
-- them for its own worker's pool (there was only one then).
alter table jobs add column pool text check (pool ~ '^[a-z0-9.-]{1,40}$');

-- Their arguments and results change (a pool per job); the files in Database/Functions create them again.
drop function admit_jobs(uuid, uuid[], text[], text[], text[], text[], text[], text[], real[], integer[], bigint[], boolean[], boolean[],
    date, integer, bigint, bigint);
drop function jobs_awaiting_delivery(timestamptz, interval, integer);

-- A voice's prompt is valid for the engine and the model that prepared it (pools may run one engine with several
-- models, e.g. Qwen3 Base 1.7B and 0.6B): a pool with another model prepares it again. Prompts prepared before this
-- column existed have no model, so each is prepared once more by the first pool that speaks it.
alter table voices add column model text;
