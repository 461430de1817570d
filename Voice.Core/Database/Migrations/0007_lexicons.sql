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


-- Probes of another tenant's lexicon entries are audited like those of its other objects.
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
            when 'voice' then (select v.tenant_id from voices v where v.id = p_id::uuid)
            when 'lexicon' then (select l.tenant_id from lexicon_entries l where l.id = p_id::uuid)
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
