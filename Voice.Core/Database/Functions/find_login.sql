-- find_login: the one current definition (migration 0002 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function find_login(p_tenant_slug text, p_email text)
returns table (tenant_id uuid, tenant_status text, user_id uuid, password_hash text, role text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select t.id, t.status, u.id, u.password_hash, u.role
        from tenants t join users u on u.tenant_id = t.id
        where t.slug = p_tenant_slug and lower(u.email) = lower(p_email)
    $$;

alter function find_login(p_tenant_slug text, p_email text) owner to voice_admin;
revoke all on function find_login(p_tenant_slug text, p_email text) from public;
grant execute on function find_login(p_tenant_slug text, p_email text) to voice_admin, voice_app;
