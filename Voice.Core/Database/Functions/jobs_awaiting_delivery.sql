-- jobs_awaiting_delivery: the one current definition (migration 0018 added the pool). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function jobs_awaiting_delivery(p_since timestamptz, p_older_than interval, p_limit integer)
returns table (job_id uuid, tenant_id uuid, plan text, pool text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select j.id, j.tenant_id, t.plan, j.pool from jobs j join tenants t on t.id = j.tenant_id
        where j.status in ('queued', 'running') and j.created_at < now() - p_older_than
          and (p_since is null or j.created_at >= p_since)
        order by j.created_at
        limit p_limit
    $$;

alter function jobs_awaiting_delivery(p_since timestamp with time zone, p_older_than interval, p_limit integer) owner to voice_admin;
revoke all on function jobs_awaiting_delivery(p_since timestamp with time zone, p_older_than interval, p_limit integer) from public;
grant execute on function jobs_awaiting_delivery(p_since timestamp with time zone, p_older_than interval, p_limit integer) to voice_admin, voice_app;
