-- audit_foreign_access: the one current definition (migration 0007 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function audit_foreign_access(p_kind text, p_id text, p_actor text) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
        caller uuid := app_tenant();
        owner uuid;
        target audited_object_kinds;
    begin
        select * into target from audited_object_kinds where kind = p_kind;
        if caller is null or target is null or (target.id_type = 'uuid' and p_id !~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$') then
            return false;
        end if;
        -- The table name comes from the kinds table, never from the caller; the id is a bound parameter.
        execute format('select tenant_id from %I where id = $1::%s', target.table_name, target.id_type) into owner using p_id;
        if owner is null or owner = caller then
            return false;
        end if;
        insert into audit_events (tenant_id, actor, action, target, details) values
            (caller, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'outgoing')),
            (owner, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'incoming', 'from_tenant', caller));
        return true;
    end
    $$;

alter function audit_foreign_access(p_kind text, p_id text, p_actor text) owner to voice_admin;
revoke all on function audit_foreign_access(p_kind text, p_id text, p_actor text) from public;
grant execute on function audit_foreign_access(p_kind text, p_id text, p_actor text) to voice_admin, voice_app;
