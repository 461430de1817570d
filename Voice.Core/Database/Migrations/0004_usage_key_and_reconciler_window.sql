-- One usage record per job: the job id is the key.
alter table usage_records drop constraint usage_records_pkey;
alter table usage_records drop column id;
alter table usage_records drop constraint usage_records_job_id_key;
alter table usage_records add primary key (job_id);

-- The reconciler scans a recent window of jobs; after Redis lost its data it scans them all (p_since null).
drop function jobs_awaiting_delivery(interval, integer);
create function jobs_awaiting_delivery(p_since timestamptz, p_older_than interval, p_limit integer)
returns table (job_id uuid, tenant_id uuid, plan text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select j.id, j.tenant_id, t.plan from jobs j join tenants t on t.id = j.tenant_id
        where j.status in ('queued', 'running') and j.created_at < now() - p_older_than
          and (p_since is null or j.created_at >= p_since)
        order by j.created_at
        limit p_limit
    $$;
alter function jobs_awaiting_delivery(timestamptz, interval, integer) owner to voice_admin;
revoke all on function jobs_awaiting_delivery(timestamptz, interval, integer) from public;
grant execute on function jobs_awaiting_delivery(timestamptz, interval, integer) to voice_app;
