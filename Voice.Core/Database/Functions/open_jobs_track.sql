-- open_jobs_track: the one current definition (migration 0014 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function open_jobs_track() returns trigger
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
