-- audit_events_link: the one current definition (migration 0010 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- Runs as its owner (voice_admin, which sees every row), so the chain is whole whoever inserts.
create or replace function audit_events_link() returns trigger language plpgsql security definer set search_path = public, pg_temp as $$
declare
    v_chain uuid := coalesce(new.tenant_id, '00000000-0000-0000-0000-000000000000');
    v_prev bytea;
    v_seq bigint;
begin
    perform pg_advisory_xact_lock(hashtextextended('voice:audit:' || v_chain::text, 0));
    select seq, hash into v_seq, v_prev from audit_events
    where coalesce(tenant_id, '00000000-0000-0000-0000-000000000000') = v_chain order by seq desc limit 1;
    new.seq := coalesce(v_seq, 0) + 1;
    new.prev_hash := coalesce(v_prev, decode(repeat('00', 32), 'hex'));
    new.occurred_at := date_trunc('microseconds', coalesce(new.occurred_at, now()));
    new.details := coalesce(new.details, '{}');
    new.hash := audit_event_digest(new.prev_hash, new.seq, new.tenant_id, new.occurred_at, new.actor, new.action, new.target, new.details);
    return new;
end
$$;

alter function audit_events_link() owner to voice_admin;
