-- audit_chain_breaks: the one current definition (migration 0010 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- The first places where a chain does not hold: a gap in the numbering (an event removed), a prev_hash that is
-- not the previous event's hash, or a hash that does not match the event's fields (an event changed).
create or replace function audit_chain_breaks(p_tenant uuid) returns table (seq bigint, problem text)
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

grant execute on function audit_chain_breaks(p_tenant uuid) to voice_admin, voice_app;
