-- Tenancy: plans, portal users and their sessions, the audit log, and database-enforced isolation.
--
-- Every tenant-owned table has FORCE ROW LEVEL SECURITY with a policy on app_tenant(), the tenant that
-- the current transaction declared with set_config('app.tenant_id', <id>, true). No declaration, no rows.
-- Services connect as voice_app (no BYPASSRLS); only the admin API uses voice_admin (BYPASSRLS).
-- The few lookups that must happen before the tenant is known (authenticating a credential, logging in)
-- are SECURITY DEFINER functions owned by voice_admin that return only what that step needs.

create table plans (
    id          text primary key check (id ~ '^[a-z0-9-]{1,32}$'),
    name        text not null,
    created_at  timestamptz not null default now()
);
insert into plans (id, name) values ('free', 'Free'), ('starter', 'Starter'), ('pro', 'Pro'), ('enterprise', 'Enterprise');
alter table tenants add constraint tenants_plan_fk foreign key (plan) references plans (id);

create table users (
    id             uuid primary key,
    tenant_id      uuid not null references tenants (id) on delete cascade,
    email          text not null check (length(email) <= 254),
    display_name   text,
    password_hash  text not null,   -- Argon2id, PHC string format
    role           text not null check (role in ('owner', 'admin', 'member')),
    created_at     timestamptz not null default now(),
    last_login_at  timestamptz
);
create unique index users_tenant_email on users (tenant_id, lower(email));

create table user_sessions (
    id           text primary key,  -- the public id in vs_<id>_<secret>
    tenant_id    uuid not null references tenants (id) on delete cascade,
    user_id      uuid not null references users (id) on delete cascade,
    secret_hash  bytea not null,
    created_at   timestamptz not null default now(),
    expires_at   timestamptz not null,
    revoked_at   timestamptz
);
create index user_sessions_user on user_sessions (user_id);

create table audit_events (
    id           bigint generated always as identity primary key,
    tenant_id    uuid,              -- null: a platform event (e.g. a tenant's deletion)
    occurred_at  timestamptz not null default now(),
    actor        text not null,     -- key:<id>, user:<id>, admin, system
    action       text not null,     -- e.g. key.created, access.cross_tenant
    target       text,
    details      jsonb not null default '{}'
);
create index audit_events_tenant on audit_events (tenant_id, occurred_at desc);

-- Roles (cluster-wide, so created only once); passwords and LOGIN are set by the service at start-up.
do $$
begin
    if not exists (select from pg_roles where rolname = 'voice_app') then
        create role voice_app nologin;
    end if;
    if not exists (select from pg_roles where rolname = 'voice_admin') then
        create role voice_admin nologin bypassrls;
    end if;
end $$;

grant usage on schema public to voice_app, voice_admin;
grant select on plans to voice_app;
grant select, insert, update on tenants to voice_app;
grant select, insert, update, delete on api_keys, users, user_sessions, jobs to voice_app;
grant select, insert on audit_events to voice_app;  -- append-only for the services
grant select, insert, update, delete on plans, tenants, api_keys, users, user_sessions, jobs, audit_events to voice_admin;
grant usage, select on all sequences in schema public to voice_app, voice_admin;

create function app_tenant() returns uuid
    language sql stable
    as $$ select nullif(current_setting('app.tenant_id', true), '')::uuid $$;

alter table tenants enable row level security;
alter table tenants force row level security;
create policy tenant_isolation on tenants using (id = app_tenant()) with check (id = app_tenant());

alter table api_keys enable row level security;
alter table api_keys force row level security;
create policy tenant_isolation on api_keys using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table users enable row level security;
alter table users force row level security;
create policy tenant_isolation on users using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table user_sessions enable row level security;
alter table user_sessions force row level security;
create policy tenant_isolation on user_sessions using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table jobs enable row level security;
alter table jobs force row level security;
create policy tenant_isolation on jobs using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table audit_events enable row level security;
alter table audit_events force row level security;
create policy tenant_isolation on audit_events using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

-- Credential lookups before the tenant is known -------------------------------------------------------

create function authenticate_api_key(p_key_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, scopes text[],
               expires_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select k.tenant_id, t.slug, t.status, k.secret_hash, k.scopes, k.expires_at, k.revoked_at
        from api_keys k join tenants t on t.id = k.tenant_id
        where k.id = p_key_id
    $$;

create function authenticate_session(p_session_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, user_id uuid,
               role text, expires_at timestamptz, revoked_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select s.tenant_id, t.slug, t.status, s.secret_hash, s.user_id, u.role, s.expires_at, s.revoked_at
        from user_sessions s join tenants t on t.id = s.tenant_id join users u on u.id = s.user_id
        where s.id = p_session_id
    $$;

create function find_login(p_tenant_slug text, p_email text)
returns table (tenant_id uuid, tenant_status text, user_id uuid, password_hash text, role text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select t.id, t.status, u.id, u.password_hash, u.role
        from tenants t join users u on u.tenant_id = t.id
        where t.slug = p_tenant_slug and lower(u.email) = lower(p_email)
    $$;

-- Called when a tenant asks for an id it cannot see. If the id belongs to another tenant, both tenants'
-- audit logs record the attempt. The caller answers 404 either way.
create function audit_foreign_access(p_kind text, p_id text, p_actor text) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
        caller uuid := app_tenant();
        owner uuid;
    begin
        if caller is null then
            return false;
        end if;
        owner := case p_kind
            when 'task' then (select j.tenant_id from jobs j where j.id = p_id::uuid)
            when 'key' then (select k.tenant_id from api_keys k where k.id = p_id)
            else null
        end;
        if owner is null or owner = caller then
            return false;
        end if;
        insert into audit_events (tenant_id, actor, action, target, details) values
            (caller, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'outgoing')),
            (owner, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'incoming', 'from_tenant', caller));
        return true;
    end
    $$;

alter function authenticate_api_key(text) owner to voice_admin;
alter function authenticate_session(text) owner to voice_admin;
alter function find_login(text, text) owner to voice_admin;
alter function audit_foreign_access(text, text, text) owner to voice_admin;
revoke all on function authenticate_api_key(text), authenticate_session(text), find_login(text, text),
    audit_foreign_access(text, text, text) from public;
grant execute on function authenticate_api_key(text), authenticate_session(text), find_login(text, text),
    audit_foreign_access(text, text, text) to voice_app;
