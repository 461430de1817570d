-- The audit log becomes tamper-evident: each tenant's events (and the platform's, tenant_id null) form a hash
-- chain. An insert takes the chain's lock, numbers the event (seq) and stores
--   hash = sha256(prev_hash || seq | tenant | occurred_at (µs) | actor | action | target | details)
-- so changing any stored field breaks that event's hash, and removing an event breaks the numbering and the
-- next event's prev_hash. audit_chain_breaks() finds both. The services may only insert and read.
alter table audit_events
    add column seq bigint,
    add column prev_hash bytea,
    add column hash bytea;

create function audit_event_digest(p_prev bytea, p_seq bigint, p_tenant uuid, p_at timestamptz, p_actor text, p_action text, p_target text, p_details jsonb)
returns bytea language sql immutable as $$
    select sha256(p_prev || convert_to(concat_ws('|', p_seq::text, coalesce(p_tenant::text, '-'),
        (extract(epoch from p_at) * 1000000)::bigint::text, p_actor, p_action, coalesce(p_target, ''), p_details::text), 'UTF8'))
$$;

-- Backfill the events written before the chain existed, in the order they happened.
do $$
declare
    r record;
    v_prev bytea;
    v_seq bigint;
    v_chain uuid;
begin
    for r in select * from audit_events order by coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'), occurred_at, id loop
        if v_chain is distinct from coalesce(r.tenant_id, '00000000-0000-0000-0000-000000000000') then
            v_chain := coalesce(r.tenant_id, '00000000-0000-0000-0000-000000000000');
            v_prev := decode(repeat('00', 32), 'hex');
            v_seq := 0;
        end if;
        v_seq := v_seq + 1;
        update audit_events set seq = v_seq, prev_hash = v_prev,
            hash = audit_event_digest(v_prev, v_seq, r.tenant_id, r.occurred_at, r.actor, r.action, r.target, r.details)
        where id = r.id
        returning hash into v_prev;
    end loop;
end
$$;

alter table audit_events alter column seq set not null, alter column prev_hash set not null, alter column hash set not null;
create unique index audit_events_chain on audit_events (coalesce(tenant_id, '00000000-0000-0000-0000-000000000000'), seq);

-- Runs as its owner (voice_admin, which sees every row), so the chain is whole whoever inserts.
create function audit_events_link() returns trigger language plpgsql security definer set search_path = public as $$
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
create trigger audit_events_link before insert on audit_events for each row execute function audit_events_link();

-- The first places where a chain does not hold: a gap in the numbering (an event removed), a prev_hash that is
-- not the previous event's hash, or a hash that does not match the event's fields (an event changed).
create function audit_chain_breaks(p_tenant uuid) returns table (seq bigint, problem text)
    language sql stable as $$
    with chain as (
        select e.seq, e.prev_hash, e.hash,
               audit_event_digest(e.prev_hash, e.seq, e.tenant_id, e.occurred_at, e.actor, e.action, e.target, e.details) as recomputed,
               lag(e.seq) over (order by e.seq) as prev_seq,
               lag(e.hash) over (order by e.seq) as prev_event_hash
        from audit_events e
        where coalesce(e.tenant_id, '00000000-0000-0000-0000-000000000000') = coalesce(p_tenant, '00000000-0000-0000-0000-000000000000'))
    select c.seq, case
        when c.hash <> c.recomputed then 'modified'
        when c.seq <> coalesce(c.prev_seq, 0) + 1 then 'missing before'
        when c.prev_hash <> coalesce(c.prev_event_hash, decode(repeat('00', 32), 'hex')) then 'relinked'
    end
    from chain c
    where c.hash <> c.recomputed or c.seq <> coalesce(c.prev_seq, 0) + 1
       or c.prev_hash <> coalesce(c.prev_event_hash, decode(repeat('00', 32), 'hex'))
    order by c.seq
$$;
grant execute on function audit_chain_breaks(uuid) to voice_app, voice_admin;
