-- Durable jobs: claim epochs, cancellation, idempotency, usage records written with completion,
-- per-tenant webhooks with a delivery log, and queue weights per plan.

alter table plans add column queue_weight integer not null default 1 check (queue_weight between 1 and 100);
update plans set queue_weight = case id when 'starter' then 2 when 'pro' then 4 when 'enterprise' then 8 else 1 end;

alter table jobs
    add column epoch integer not null default 0,          -- bumped by every claim; only the current epoch may finish the job
    add column cancel_requested_at timestamptz,
    add column callback_url text check (length(callback_url) <= 2048),
    add column attempt_errors jsonb not null default '[]';  -- one short problem per failed attempt
create index jobs_tenant_status_created on jobs (tenant_id, status, created_at);
create index jobs_unfinished on jobs (created_at) where status in ('queued', 'running');

-- Exactly one usage record per job: the unique job_id makes a second completion impossible to bill.
create table usage_records (
    id              bigint generated always as identity primary key,
    tenant_id       uuid not null references tenants (id) on delete cascade,
    job_id          uuid not null unique references jobs (id) on delete cascade,
    characters      integer not null,
    audio_seconds   double precision not null,
    engine          text not null,
    compute_ms      integer not null,
    recorded_at     timestamptz not null default now()
);
create index usage_records_tenant_time on usage_records (tenant_id, recorded_at);

create table idempotency_keys (
    tenant_id     uuid not null references tenants (id) on delete cascade,
    key           text not null check (length(key) between 1 and 255),
    request_hash  bytea not null,
    job_id        uuid not null references jobs (id) on delete cascade,
    created_at    timestamptz not null default now(),
    primary key (tenant_id, key)
);

create table webhooks (
    id                uuid primary key,
    tenant_id         uuid not null references tenants (id) on delete cascade,
    url               text not null check (length(url) <= 2048),
    events            text[] not null,
    secret_encrypted  bytea not null,   -- AES-GCM under a master-key-derived key; the secret is needed to sign
    description       text,
    created_at        timestamptz not null default now(),
    disabled_at       timestamptz
);
create index webhooks_tenant on webhooks (tenant_id);

-- The tenant-wide secret that signs per-request callback_url deliveries.
create table callback_secrets (
    tenant_id         uuid primary key references tenants (id) on delete cascade,
    secret_encrypted  bytea not null,
    created_at        timestamptz not null default now()
);

create table webhook_deliveries (
    id               uuid primary key,
    tenant_id        uuid not null references tenants (id) on delete cascade,
    webhook_id       uuid references webhooks (id) on delete cascade,  -- null: the job's callback_url
    job_id           uuid not null references jobs (id) on delete cascade,
    event            text not null,
    url              text not null,
    payload          jsonb not null,
    status           text not null default 'pending' check (status in ('pending', 'delivered', 'failed')),
    attempts         integer not null default 0,
    next_attempt_at  timestamptz not null default now(),
    last_status_code integer,
    last_error       text,
    created_at       timestamptz not null default now(),
    delivered_at     timestamptz,
    unique (job_id, webhook_id, event)
);
create index webhook_deliveries_webhook on webhook_deliveries (webhook_id, created_at desc);
create index webhook_deliveries_pending on webhook_deliveries (next_attempt_at) where status = 'pending';

grant select, insert, update, delete on usage_records, idempotency_keys, webhooks, callback_secrets, webhook_deliveries to voice_app;
grant select, insert, update, delete on usage_records, idempotency_keys, webhooks, callback_secrets, webhook_deliveries to voice_admin;
grant usage, select on all sequences in schema public to voice_app, voice_admin;

alter table usage_records enable row level security;
alter table usage_records force row level security;
create policy tenant_isolation on usage_records using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table idempotency_keys enable row level security;
alter table idempotency_keys force row level security;
create policy tenant_isolation on idempotency_keys using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table webhooks enable row level security;
alter table webhooks force row level security;
create policy tenant_isolation on webhooks using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table callback_secrets enable row level security;
alter table callback_secrets force row level security;
create policy tenant_isolation on callback_secrets using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

alter table webhook_deliveries enable row level security;
alter table webhook_deliveries force row level security;
create policy tenant_isolation on webhook_deliveries using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());

-- Credentials now carry the tenant's plan, so the queue weight is known without another query.
drop function authenticate_api_key(text);
create function authenticate_api_key(p_key_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, scopes text[],
               expires_at timestamptz, revoked_at timestamptz, plan text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select k.tenant_id, t.slug, t.status, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, t.plan
        from api_keys k join tenants t on t.id = k.tenant_id
        where k.id = p_key_id
    $$;

drop function authenticate_session(text);
create function authenticate_session(p_session_id text)
returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, user_id uuid,
               role text, expires_at timestamptz, revoked_at timestamptz, plan text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select s.tenant_id, t.slug, t.status, s.secret_hash, s.user_id, u.role, s.expires_at, s.revoked_at, t.plan
        from user_sessions s join tenants t on t.id = s.tenant_id join users u on u.id = s.user_id
        where s.id = p_session_id
    $$;

-- The reconciler's view across tenants: only ids, only of work that may need (re)delivery.
create function jobs_awaiting_delivery(p_older_than interval, p_limit integer)
returns table (job_id uuid, tenant_id uuid, plan text)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select j.id, j.tenant_id, t.plan from jobs j join tenants t on t.id = j.tenant_id
        where j.status in ('queued', 'running') and j.created_at < now() - p_older_than
        order by j.created_at
        limit p_limit
    $$;

create function webhook_deliveries_due(p_overdue interval, p_limit integer)
returns table (delivery_id uuid, tenant_id uuid, next_attempt_at timestamptz)
    language sql stable security definer set search_path = public, pg_temp
    as $$
        select d.id, d.tenant_id, d.next_attempt_at from webhook_deliveries d
        where d.status = 'pending' and d.next_attempt_at < now() - p_overdue
        order by d.next_attempt_at
        limit p_limit
    $$;

alter function authenticate_api_key(text) owner to voice_admin;
alter function authenticate_session(text) owner to voice_admin;
alter function jobs_awaiting_delivery(interval, integer) owner to voice_admin;
alter function webhook_deliveries_due(interval, integer) owner to voice_admin;
revoke all on function authenticate_api_key(text), authenticate_session(text),
    jobs_awaiting_delivery(interval, integer), webhook_deliveries_due(interval, integer) from public;
grant execute on function authenticate_api_key(text), authenticate_session(text),
    jobs_awaiting_delivery(interval, integer), webhook_deliveries_due(interval, integer) to voice_app;

-- Cross-tenant probes of the new object kinds are audited like the others.
create or replace function audit_foreign_access(p_kind text, p_id text, p_actor text) returns boolean
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
            when 'webhook' then (select w.tenant_id from webhooks w where w.id = p_id::uuid)
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
