-- A tenant's pronunciation dictionary: a word or phrase and what to say instead, for one language or all.
create table lexicon_entries (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id) on delete cascade,
    language        text,                                   -- null: every language
    term            text not null check (length(term) between 1 and 100),
    replacement     text not null check (length(replacement) between 1 and 500),
    case_sensitive  boolean not null default false,
    created_at      timestamptz not null default now()
);
-- One entry per term (as matched) and language scope.
create unique index lexicon_entries_term on lexicon_entries
    (tenant_id, coalesce(language, ''), (case when case_sensitive then term else lower(term) end), case_sensitive);

alter table lexicon_entries enable row level security;
alter table lexicon_entries force row level security;
create policy tenant_isolation on lexicon_entries using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update, delete on lexicon_entries to voice_app, voice_admin;


-- Probes of another tenant's objects are audited on both sides. Which table holds each kind of object is now a
-- row, so a new kind (like lexicon entries) is one insert instead of another copy of the function.
create table audited_object_kinds (
    kind        text primary key,
    table_name  text not null,
    id_type     text not null check (id_type in ('uuid', 'text'))
);
insert into audited_object_kinds values
    ('task', 'jobs', 'uuid'), ('key', 'api_keys', 'text'), ('webhook', 'webhooks', 'uuid'),
    ('voice', 'voices', 'uuid'), ('lexicon', 'lexicon_entries', 'uuid');
grant select on audited_object_kinds to voice_admin; -- the function runs as its owner, voice_admin

create or replace function audit_foreign_access(p_kind text, p_id text, p_actor text) returns boolean
    language plpgsql volatile security definer set search_path = public, pg_temp
    as $$
    declare
        caller uuid := app_tenant();
        owner uuid;
        target audited_object_kinds;
    begin
        select * into target from audited_object_kinds where kind = p_kind;
        if caller is null or target is null or (target.id_type = 'uuid' and p_id !~* '^[0-9a-f]{8}-?([0-9a-f]{4}-?){3}[0-9a-f]{12}$') then
            return false;
        end if;
        -- The table name comes from the kinds table, never from the caller; the id is a bound parameter.
        execute format('select tenant_id from %I where id = $1::%s', target.table_name, target.id_type) into owner using p_id;
        if owner is null or owner = caller then
            return false;
        end if;
        insert into audit_events (tenant_id, actor, action, target, details) values
            (caller, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'outgoing')),
            (owner, p_actor, 'access.cross_tenant', p_kind || ':' || p_id, jsonb_build_object('direction', 'incoming', 'from_tenant', caller));
        return true;
    end
    $$;
