-- Login by email: a person may have an account (one users row) in several workspaces. Before a workspace is
-- chosen there is no tenant scope, so the accounts of an address are found by a security-definer function,
-- bounded to the ten oldest (an address in more workspaces logs in to the others by naming one).
create function find_logins_by_email(p_email text)
returns table (tenant_id uuid, tenant_slug text, tenant_name text, tenant_status text, user_id uuid, password_hash text, role text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select t.id, t.slug, t.name, t.status, u.id, u.password_hash, u.role
        from users u join tenants t on t.id = u.tenant_id
        where lower(u.email) = lower(p_email)
        order by u.created_at, u.id
        limit 10
    $$;
alter function find_logins_by_email(text) owner to voice_admin;
revoke all on function find_logins_by_email(text) from public;
grant execute on function find_logins_by_email(text) to voice_app;

-- A workspace owner asks for another plan; an operator approves (the plan changes) or declines. No payment
-- provider is involved yet: approval is where one would confirm payment (see README, "Upgrades").
create table upgrade_requests (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id) on delete cascade,
    plan          text not null references plans (id),
    current_plan  text not null,
    status        text not null default 'pending' check (status in ('pending', 'approved', 'declined')),
    note          text check (length(note) <= 500),
    requested_by  text not null,
    created_at    timestamptz not null default now(),
    decided_at    timestamptz,
    decided_by    text,
    check ((status = 'pending') = (decided_at is null))
);
create index upgrade_requests_tenant on upgrade_requests (tenant_id, created_at desc);
create index upgrade_requests_pending on upgrade_requests (created_at) where status = 'pending';
-- One open request per workspace: asking again replaces nothing, it is refused until the first is decided.
create unique index upgrade_requests_one_pending on upgrade_requests (tenant_id) where status = 'pending';

grant select, insert, update, delete on upgrade_requests to voice_app, voice_admin;
alter table upgrade_requests enable row level security;
alter table upgrade_requests force row level security;
create policy tenant_isolation on upgrade_requests using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

-- The plans a workspace may ask for and the public comparison shows; plans an operator makes for one customer
-- (or a test) stay unlisted.
alter table plans add column listed boolean not null default false;
update plans set listed = true where id in ('free', 'starter', 'pro', 'enterprise');
