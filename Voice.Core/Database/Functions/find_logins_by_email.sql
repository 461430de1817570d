-- find_logins_by_email: the one current definition. Edit this file, not a migration: it is re-applied at start-up
-- whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- Login by email: an address may have an account in several workspaces. Before one is chosen there is no tenant
-- scope, so they are found here (security definer), bounded to the ten oldest: an address in more workspaces logs in
-- to the others by naming one.
create or replace function find_logins_by_email(p_email text)
returns table (tenant_id uuid, tenant_slug text, tenant_name text, tenant_status text, user_id uuid, password_hash text, role text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select t.id, t.slug, t.name, t.status, u.id, u.password_hash, u.role
        from users u join tenants t on t.id = u.tenant_id
        where lower(u.email) = lower(p_email)
        order by u.created_at, u.id
        limit 10
    $$;

alter function find_logins_by_email(p_email text) owner to voice_admin;
revoke all on function find_logins_by_email(p_email text) from public;
grant execute on function find_logins_by_email(p_email text) to voice_admin, voice_app;
