-- audit_event_digest: the one current definition (migration 0010 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function audit_event_digest(p_prev bytea, p_seq bigint, p_tenant uuid, p_at timestamptz, p_actor text, p_action text, p_target text, p_details jsonb)
returns bytea language sql immutable as $$
    select sha256(p_prev || convert_to(concat_ws('|', p_seq::text, coalesce(p_tenant::text, '-'),
        (extract(epoch from p_at) * 1000000)::bigint::text, p_actor, p_action, coalesce(p_target, ''), p_details::text), 'UTF8'))
$$;
