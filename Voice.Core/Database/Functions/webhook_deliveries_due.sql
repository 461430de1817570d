-- webhook_deliveries_due: the one current definition (migration 0003 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function webhook_deliveries_due(p_overdue interval, p_limit integer)
returns table (delivery_id uuid, tenant_id uuid, next_attempt_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select d.id, d.tenant_id, d.next_attempt_at from webhook_deliveries d
        where d.status = 'pending' and d.next_attempt_at < now() - p_overdue
        order by d.next_attempt_at
        limit p_limit
    $$;

alter function webhook_deliveries_due(p_overdue interval, p_limit integer) owner to voice_admin;
revoke all on function webhook_deliveries_due(p_overdue interval, p_limit integer) from public;
grant execute on function webhook_deliveries_due(p_overdue interval, p_limit integer) to voice_admin, voice_app;
