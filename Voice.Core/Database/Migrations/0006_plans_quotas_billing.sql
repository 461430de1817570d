-- Plans as data: rates, quotas, concurrency, restrictions, retention and prices. What open jobs hold (a
-- concurrency slot, reserved characters and audio) is not a counter but the open jobs themselves: a job stops
-- holding the moment it leaves queued/running, so no path (completion, failure, cancel, exhausted retries, a
-- worker that died) can leak a slot or release it twice. Settled use is a per-month counter that only the
-- completion statement adds to.

alter table plans
    add column rate_per_second        real not null default 5 check (rate_per_second > 0),
    add column rate_burst             integer not null default 10 check (rate_burst >= 1),
    add column key_rate_per_second    real not null default 5 check (key_rate_per_second > 0),
    add column key_rate_burst         integer not null default 10 check (key_rate_burst >= 1),
    add column monthly_characters     bigint check (monthly_characters >= 0),        -- null: unlimited
    add column monthly_audio_seconds  bigint check (monthly_audio_seconds >= 0),     -- null: unlimited
    add column max_concurrent_jobs    integer not null default 5 check (max_concurrent_jobs >= 1),  -- queued + running
    add column max_upload_bytes       integer not null default 10485760 check (max_upload_bytes between 1024 and 10485760),
    add column allowed_engines        text[] not null default '{}',                   -- empty: all
    add column allowed_modes          text[] not null default '{}',
    add column allowed_formats        text[] not null default '{}',
    add column retention_days         integer not null default 30 check (retention_days >= 1),
    add column price_per_1k_characters numeric(12, 6) not null default 0 check (price_per_1k_characters >= 0),
    add column price_per_audio_minute  numeric(12, 6) not null default 0 check (price_per_audio_minute >= 0),
    add column price_per_voice         numeric(12, 6) not null default 0 check (price_per_voice >= 0),
    add column currency               text not null default 'USD' check (currency ~ '^[A-Z]{3}$');

update plans set
    rate_per_second = 2, rate_burst = 10, key_rate_per_second = 2, key_rate_burst = 10,
    monthly_characters = 10000, monthly_audio_seconds = 900, max_concurrent_jobs = 2, max_upload_bytes = 5242880,
    allowed_formats = '{wav,mp3}', retention_days = 7
where id = 'free';
update plans set
    rate_per_second = 10, rate_burst = 20, key_rate_per_second = 10, key_rate_burst = 20,
    monthly_characters = 500000, monthly_audio_seconds = 36000, max_concurrent_jobs = 10, retention_days = 30,
    price_per_1k_characters = 0.015, price_per_audio_minute = 0.002, price_per_voice = 1.00
where id = 'starter';
update plans set
    rate_per_second = 50, rate_burst = 100, key_rate_per_second = 50, key_rate_burst = 100,
    monthly_characters = 5000000, monthly_audio_seconds = 360000, max_concurrent_jobs = 50, retention_days = 90,
    price_per_1k_characters = 0.012, price_per_audio_minute = 0.0015, price_per_voice = 0.50
where id = 'pro';
update plans set
    rate_per_second = 200, rate_burst = 400, key_rate_per_second = 200, key_rate_burst = 400,
    monthly_characters = null, monthly_audio_seconds = null, max_concurrent_jobs = 500, retention_days = 365,
    price_per_1k_characters = 0.010, price_per_audio_minute = 0.001, price_per_voice = 0.25
where id = 'enterprise';
grant insert, update on plans to voice_admin;

-- What a job holds while it is open: its characters and estimated audio against its month's quota.
alter table jobs
    add column quota_period      date,
    add column reserved_chars    integer not null default 0,
    add column reserved_audio_ms bigint not null default 0;

-- A job whose audio is streamed as it is made (the OpenAI-compatible route): the worker also publishes its
-- encoded chunks to a short-lived Redis stream that the waiting request relays.
alter table jobs add column stream boolean not null default false;

-- Settled use per tenant and calendar month (UTC), added to by job completion.
create table quota_periods (
    tenant_id      uuid not null references tenants (id) on delete cascade,
    period         date not null,
    used_chars     bigint not null default 0 check (used_chars >= 0),
    used_audio_ms  bigint not null default 0 check (used_audio_ms >= 0),
    primary key (tenant_id, period)
);
alter table quota_periods enable row level security;
alter table quota_periods force row level security;
create policy tenant_isolation on quota_periods using (tenant_id = app_tenant()) with check (tenant_id = app_tenant());
grant select, insert, update, delete on quota_periods to voice_app, voice_admin;

-- Use already recorded this month counts against this month's quota.
insert into quota_periods (tenant_id, period, used_chars, used_audio_ms)
    select tenant_id, date_trunc('month', recorded_at at time zone 'UTC')::date, sum(characters), round(sum(audio_seconds) * 1000)
    from usage_records group by 1, 2;

-- Admits a tenant's submissions in order and inserts the admitted ones; returns each one's refusal or its row.
-- A transaction-scoped advisory lock makes one tenant's admissions take turns (across every API replica),
-- and the totals are read after it, so no two submissions can both take the last slot or the last character.
-- Completions never wait for it: they only make the totals smaller.
create function admit_jobs(
    p_tenant uuid, p_ids uuid[], p_texts text[], p_languages text[], p_voices text[], p_formats text[], p_callbacks text[],
    p_kinds text[], p_speeds real[], p_chars integer[], p_audio_ms bigint[], p_streams boolean[],
    p_period date, p_max_open integer, p_max_chars bigint, p_max_audio_seconds bigint)
returns table (refusal text, job jobs)
    language plpgsql as $$
    declare
        v_open bigint := 0;
        v_chars bigint := 0;
        v_audio bigint := 0;
    begin
        if p_max_open is not null or p_max_chars is not null or p_max_audio_seconds is not null then
            perform pg_advisory_xact_lock(hashtextextended('voice:admit:' || p_tenant::text, 0));
            select o.open, o.chars + coalesce(q.used_chars, 0), o.audio + coalesce(q.used_audio_ms, 0)
              into v_open, v_chars, v_audio
            from (select count(*) as open,
                         coalesce(sum(reserved_chars) filter (where quota_period = p_period), 0) as chars,
                         coalesce(sum(reserved_audio_ms) filter (where quota_period = p_period), 0)::bigint as audio
                  from jobs where tenant_id = p_tenant and status in ('queued', 'running')) o
            left join quota_periods q on q.tenant_id = p_tenant and q.period = p_period;
        end if;
        for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
            refusal := case
                when p_max_open is not null and v_open >= p_max_open then 'concurrency'
                when p_max_chars is not null and v_chars + p_chars[i] > p_max_chars then 'characters'
                when p_max_audio_seconds is not null and v_audio + p_audio_ms[i] > p_max_audio_seconds * 1000 then 'audio_seconds'
            end;
            job := null;
            if refusal is null then
                insert into jobs (id, tenant_id, text, language, voice, format, callback_url, kind, speed, quota_period, reserved_chars, reserved_audio_ms, stream)
                values (p_ids[i], p_tenant, p_texts[i], p_languages[i], p_voices[i], p_formats[i], p_callbacks[i], p_kinds[i], p_speeds[i],
                        p_period, p_chars[i], p_audio_ms[i], p_streams[i])
                returning * into job;
                v_open := v_open + 1;
                v_chars := v_chars + p_chars[i];
                v_audio := v_audio + p_audio_ms[i];
            end if;
            return next;
        end loop;
    end
    $$;

-- Usage records carry their prices, so an invoice is arithmetic on stored rows even after a plan changes;
-- a voice profile's creation is a record of its own.
alter table usage_records drop constraint usage_records_pkey;
alter table usage_records
    add column id bigint generated always as identity primary key,
    add constraint usage_records_job_id_key unique (job_id),
    alter column job_id drop not null,
    add column kind text not null default 'speech' check (kind in ('speech', 'voice')),
    add column voice_id uuid unique,
    add column plan text,
    add column price_per_1k_characters numeric(12, 6) not null default 0,
    add column price_per_audio_minute numeric(12, 6) not null default 0,
    add column price_per_voice numeric(12, 6) not null default 0,
    add column cost numeric(14, 6) not null default 0,
    add column currency text not null default 'USD',
    add constraint usage_records_subject check ((kind = 'speech' and job_id is not null) or (kind = 'voice' and voice_id is not null));
