-- Admission read a tenant's open jobs by counting them (and summing their reservations) on every submission:
-- a cost that grew with the tenant's backlog, under the tenant's admission lock, exactly when a burst had made
-- that backlog long. Now each tenant keeps running totals of its open (queued or running) jobs per quota
-- period, maintained by triggers on jobs in the same transaction as the change, so admission reads a few rows
-- whatever the backlog. Every path that opens or closes a job (admission, completion, cancel, withdrawal,
-- dead-lettering, an operator's requeue, a tenant's deletion) goes through the triggers.

-- Replicas still running the previous version keep writing jobs during a rolling deploy: hold their writes
-- until the totals are counted and the triggers exist, so none is missed. Tenants first, as a tenant's deletion
-- takes them (then its jobs), so the two cannot deadlock; a migration that cannot get them soon fails and retries.
set local lock_timeout = '30s';
lock table tenants, jobs in share row exclusive mode;

create table open_jobs (
    tenant_id          uuid not null references tenants (id) on delete cascade,
    -- The month a job's reservation counts against; '-infinity' for jobs admitted without limits (no period).
    period             date not null,
    jobs               integer not null default 0,
    reserved_chars     bigint not null default 0,
    reserved_audio_ms  bigint not null default 0,
    primary key (tenant_id, period)
    -- No check (x >= 0): a total that had somehow drifted must not make a job's completion fail.
);
alter table open_jobs enable row level security;
alter table open_jobs force row level security;
create policy tenant_isolation on open_jobs using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update, delete on open_jobs to voice_app, voice_admin;

insert into open_jobs (tenant_id, period, jobs, reserved_chars, reserved_audio_ms)
    select tenant_id, coalesce(quota_period, '-infinity'), count(*), sum(reserved_chars), sum(reserved_audio_ms)
    from jobs where status in ('queued', 'running') group by 1, 2;

create function open_jobs_track() returns trigger
    language plpgsql as $$
    begin
        if tg_op in ('UPDATE', 'DELETE') and old.status in ('queued', 'running') then
            update open_jobs set jobs = jobs - 1, reserved_chars = reserved_chars - old.reserved_chars,
                                 reserved_audio_ms = reserved_audio_ms - old.reserved_audio_ms
            where tenant_id = old.tenant_id and period = coalesce(old.quota_period, '-infinity');
        end if;
        if tg_op in ('INSERT', 'UPDATE') and new.status in ('queued', 'running') then
            insert into open_jobs as o (tenant_id, period, jobs, reserved_chars, reserved_audio_ms)
            values (new.tenant_id, coalesce(new.quota_period, '-infinity'), 1, new.reserved_chars, new.reserved_audio_ms)
            on conflict (tenant_id, period) do update
                set jobs = o.jobs + 1, reserved_chars = o.reserved_chars + excluded.reserved_chars,
                    reserved_audio_ms = o.reserved_audio_ms + excluded.reserved_audio_ms;
        end if;
        return null;
    end
    $$;

-- Only changes that open or close a job, or change what an open job holds, touch the totals: a claim
-- (queued → running) or a released attempt (running → queued) leaves them alone.
create trigger open_jobs_insert after insert on jobs
    for each row when (new.status in ('queued', 'running')) execute function open_jobs_track();
create trigger open_jobs_update after update of status, tenant_id, quota_period, reserved_chars, reserved_audio_ms on jobs
    for each row when ((old.status in ('queued', 'running')) is distinct from (new.status in ('queued', 'running'))
                       or (new.status in ('queued', 'running')
                           and (old.tenant_id, old.quota_period, old.reserved_chars, old.reserved_audio_ms)
                               is distinct from (new.tenant_id, new.quota_period, new.reserved_chars, new.reserved_audio_ms)))
    execute function open_jobs_track();
create trigger open_jobs_delete after delete on jobs
    for each row when (old.status in ('queued', 'running')) execute function open_jobs_track();

-- Admission as before, reading the totals instead of the jobs.
create or replace function admit_jobs(
    p_tenant uuid, p_ids uuid[], p_texts text[], p_languages text[], p_voices text[], p_formats text[], p_callbacks text[],
    p_kinds text[], p_speeds real[], p_chars integer[], p_audio_ms bigint[], p_streams boolean[], p_word_timestamps boolean[],
    p_period date, p_max_open integer, p_max_chars bigint, p_max_audio_seconds bigint)
returns table (refusal text, job jobs)
    language plpgsql as $$
    declare
        v_open bigint := 0;
        v_chars bigint := 0;
        v_audio bigint := 0;
    begin
        if p_max_open is not null or p_max_chars is not null or p_max_audio_seconds is not null then
            perform pg_advisory_xact_lock(hashtextextended('voice:admit:' || p_tenant::text, 0));
            select coalesce(sum(o.jobs), 0),
                   coalesce(sum(o.reserved_chars) filter (where o.period = p_period), 0),
                   coalesce(sum(o.reserved_audio_ms) filter (where o.period = p_period), 0)
              into v_open, v_chars, v_audio
            from open_jobs o where o.tenant_id = p_tenant;
            select v_chars + coalesce(sum(q.used_chars), 0), v_audio + coalesce(sum(q.used_audio_ms), 0)
              into v_chars, v_audio
            from quota_periods q where q.tenant_id = p_tenant and q.period = p_period;
        end if;
        for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
            refusal := case
                when p_max_open is not null and v_open >= p_max_open then 'concurrency'
                when p_max_chars is not null and v_chars + p_chars[i] > p_max_chars then 'characters'
                when p_max_audio_seconds is not null and v_audio + p_audio_ms[i] > p_max_audio_seconds * 1000 then 'audio_seconds'
            end;
            job := null;
            if refusal is null then
                insert into jobs (id, tenant_id, text, language, voice, format, callback_url, kind, speed, quota_period, reserved_chars, reserved_audio_ms, stream, word_timestamps)
                values (p_ids[i], p_tenant, p_texts[i], p_languages[i], p_voices[i], p_formats[i], p_callbacks[i], p_kinds[i], p_speeds[i],
                        p_period, p_chars[i], p_audio_ms[i], p_streams[i], p_word_timestamps[i])
                returning * into job;
                v_open := v_open + 1;
                v_chars := v_chars + p_chars[i];
                v_audio := v_audio + p_audio_ms[i];
            end if;
            return next;
        end loop;
    end
    $$;
