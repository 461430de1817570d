-- authenticate_api_key: the one current definition (migration 0003 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- plpgsql, not sql: Postgres 15 plans a SQL function that carries SET (not inlinable) again on every call; plpgsql keeps
-- its statement's plan for the session, and every request whose credential is not cached runs this.
create or replace function authenticate_api_key(p_key_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, scopes text[],
               expires_at timestamptz, revoked_at timestamptz, plan text)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
        return query
        select k.tenant_id, t.slug, t.status, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, t.plan
        from api_keys k join tenants t on t.id = k.tenant_id
        where k.id = p_key_id;
    end
    $$;

alter function authenticate_api_key(p_key_id text) owner to voice_admin;
revoke all on function authenticate_api_key(p_key_id text) from public;
grant execute on function authenticate_api_key(p_key_id text) to voice_admin, voice_app;
