-- Voice profiles: clone, design and preset voices a tenant creates once and speaks with many times.
-- A profile is prepared by the worker (the engine computes its reusable prompt); until then it is 'preparing'.

alter table plans add column max_voices integer not null default 3 check (max_voices >= 0);
alter table plans add column max_text_chars integer not null default 5000 check (max_text_chars between 1 and 1000000);
update plans set max_voices = case id when 'starter' then 20 when 'pro' then 100 when 'enterprise' then 1000 else 3 end,
                 max_text_chars = case id when 'pro' then 10000 when 'enterprise' then 20000 else 5000 end;

create table voices (
    id              uuid primary key,
    tenant_id       uuid not null references tenants (id) on delete cascade,
    name            text not null check (length(name) between 1 and 100),
    mode            text not null check (mode in ('clone', 'design', 'preset')),
    status          text not null default 'preparing' check (status in ('preparing', 'ready', 'failed')),
    language        text not null,
    description     text check (length(description) <= 1000),   -- design: the description; preset: the preset's name
    reference_text  text check (length(reference_text) <= 2000),
    reference_path  text,                                        -- clone: the prepared reference audio in blob storage
    consent         jsonb,                                       -- clone: the statement, who gave it, when
    quality         jsonb,                                       -- clone: the reference's quality report
    engine          text,
    prompt          bytea,                                       -- the engine's reusable prompt
    analysis        jsonb,                                       -- what the engine derived (parameters, F0, rate, ignored words)
    notes           text[] not null default '{}',                -- what the tenant should know (ignored words, approximations)
    fidelity        text,
    error           jsonb,
    transient       boolean not null default false,              -- made inline by a generate request; not listed
    created_at      timestamptz not null default now(),
    ready_at        timestamptz
);
create index voices_tenant on voices (tenant_id, created_at desc);

alter table voices enable row level security;
alter table voices force row level security;
create policy tenant_isolation on voices using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update, delete on voices to voice_app, voice_admin;

-- A job either speaks (kind 'speech', its voice a preset name or a voice id) or prepares a voice profile.
alter table jobs add column kind text not null default 'speech' check (kind in ('speech', 'voice'));
-- Speaking rate relative to the voice's own (OpenAI's speed: 0.25–4).
alter table jobs add column speed real not null default 1 check (speed between 0.25 and 4);

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
