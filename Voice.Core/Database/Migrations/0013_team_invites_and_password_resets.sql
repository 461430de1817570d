-- Team invitations and password resets: one-time tokens (vt_<id>_<secret>) mailed to a person. Like
-- credentials, only the SHA-256 of the whole token is kept; a token is used once and expires.
create table account_tokens (
    id           text primary key,   -- the public id in vt_<id>_<secret>
    tenant_id    uuid not null references tenants (id) on delete cascade,
    kind         text not null check (kind in ('invite', 'password_reset')),
    email        text not null check (length(email) <= 254),
    role         text check (role in ('admin', 'member')),           -- invites only
    user_id      uuid references users (id) on delete cascade,       -- password resets only
    secret_hash  bytea not null,
    created_by   text not null,      -- user:<id>, key:<id> or system
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    used_at      timestamptz,
    check ((kind = 'invite') = (role is not null)),
    check ((kind = 'password_reset') = (user_id is not null))
);
create index account_tokens_tenant on account_tokens (tenant_id, kind, created_at desc);
-- One open invitation per address: inviting again replaces it.
create unique index account_tokens_open_invite on account_tokens (tenant_id, lower(email)) where kind = 'invite' and used_at is null;

grant select, insert, update, delete on account_tokens to voice_app, voice_admin;
alter table account_tokens enable row level security;
alter table account_tokens force row level security;
create policy tenant_isolation on account_tokens using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

-- A token is presented before its tenant is known (the person is not signed in): find its tenant and hash.
create function find_account_token(p_token_id text)
returns table (tenant_id uuid, tenant_status text, kind text, secret_hash bytea, expires_at timestamptz, used_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select a.tenant_id, t.status, a.kind, a.secret_hash, a.expires_at, a.used_at
        from account_tokens a join tenants t on t.id = a.tenant_id
        where a.id = p_token_id
    $$;
alter function find_account_token(text) owner to voice_admin;
revoke all on function find_account_token(text) from public;
grant execute on function find_account_token(text) to voice_app;

-- Another tenant's probes of members and invitations are audited like every other object.
insert into audited_object_kinds values ('user', 'users', 'uuid'), ('invite', 'account_tokens', 'text');
