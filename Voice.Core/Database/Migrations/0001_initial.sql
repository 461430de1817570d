-- The walking skeleton's ledger: tenants, their API keys and their jobs.
-- Every tenant-owned table carries tenant_id (row-level security arrives with the tenancy work).

create table tenants (
    id          uuid primary key,
    slug        text not null unique check (slug ~ '^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$'),
    name        text not null,
    plan        text not null default 'free',
    status      text not null default 'active' check (status in ('active', 'suspended', 'deleted')),
    created_at  timestamptz not null default now()
);

create table api_keys (
    id            text primary key,  -- the public key id in vk_live_<id>_<secret>
    tenant_id     uuid not null references tenants (id) on delete cascade,
    name          text not null,
    secret_hash   bytea not null,    -- SHA-256 of the whole key; the key itself is never stored
    scopes        text[] not null default '{}',
    created_at    timestamptz not null default now(),
    expires_at    timestamptz,
    revoked_at    timestamptz,
    last_used_at  timestamptz
);
create index api_keys_tenant on api_keys (tenant_id);

create table jobs (
    id            uuid primary key,
    tenant_id     uuid not null references tenants (id) on delete cascade,
    status        text not null default 'queued'
                  check (status in ('queued', 'running', 'completed', 'failed', 'canceled')),
    text          text not null,
    language      text not null,
    voice         text not null,
    format        text not null,
    engine        text,
    model         text,
    attempts      integer not null default 0,
    error         jsonb,
    result_path   text,
    result_bytes  bigint,
    duration_ms   integer,
    sample_rate   integer,
    created_at    timestamptz not null default now(),
    started_at    timestamptz,
    finished_at   timestamptz
);
create index jobs_tenant_created on jobs (tenant_id, created_at desc);
