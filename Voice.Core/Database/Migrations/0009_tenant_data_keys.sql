-- Envelope encryption: each tenant's data keys, wrapped by the deployment's key-encryption key (the master key,
-- or a KMS key). A new version is added by rotation; objects name the version they were written with. Deleting
-- a tenant destroys its keys first (crypto-shredding): wrapped_key is erased, and its objects are unreadable
-- even if they survive somewhere.
create table tenant_data_keys (
    tenant_id    uuid not null references tenants (id) on delete cascade,
    version      integer not null check (version > 0),
    wrapped_key  bytea,                 -- null once destroyed
    wrapped_by   text not null,         -- the key-encryption key's id
    created_at   timestamptz not null default now(),
    destroyed_at timestamptz,
    primary key (tenant_id, version),
    check ((wrapped_key is null) = (destroyed_at is not null))
);

alter table tenant_data_keys enable row level security;
alter table tenant_data_keys force row level security;
create policy tenant_isolation on tenant_data_keys using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update on tenant_data_keys to voice_app;
grant select, insert, update, delete on tenant_data_keys to voice_admin;
