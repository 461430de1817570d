-- Login by email uses find_logins_by_email (Database/Functions): an address's accounts across workspaces.

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
