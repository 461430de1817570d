-- authenticate_session: the one current definition (migration 0003 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- plpgsql, not sql: Postgres 15 plans a SQL function that carries SET (not inlinable) again on every call; plpgsql keeps
-- its statement's plan for the session, and every request whose credential is not cached runs this.
create or replace function authenticate_session(p_session_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, user_id uuid,
               role text, expires_at timestamptz, revoked_at timestamptz, plan text)
    language plpgsql stable security definer set search_path = public, pg_temp
    as $$
    begin
        return query
        select s.tenant_id, t.slug, t.status, s.secret_hash, s.user_id, u.role, s.expires_at, s.revoked_at, t.plan
        from user_sessions s join tenants t on t.id = s.tenant_id join users u on u.id = s.user_id
        where s.id = p_session_id;
    end
    $$;

alter function authenticate_session(p_session_id text) owner to voice_admin;
revoke all on function authenticate_session(p_session_id text) from public;
grant execute on function authenticate_session(p_session_id text) to voice_admin, voice_app;
