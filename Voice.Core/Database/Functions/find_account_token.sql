-- find_account_token: the one current definition (migration 0013 set it last). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
-- A token is presented before its tenant is known (the person is not signed in): find its tenant and hash.
create or replace function find_account_token(p_token_id text)
returns table (tenant_id uuid, tenant_status text, kind text, secret_hash bytea, expires_at timestamptz, used_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select a.tenant_id, t.status, a.kind, a.secret_hash, a.expires_at, a.used_at
        from account_tokens a join tenants t on t.id = a.tenant_id
        where a.id = p_token_id
    $$;

alter function find_account_token(p_token_id text) owner to voice_admin;
revoke all on function find_account_token(p_token_id text) from public;
grant execute on function find_account_token(p_token_id text) to voice_admin, voice_app;
