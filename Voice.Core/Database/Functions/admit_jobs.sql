-- admit_jobs: the one current definition (migration 0018 added the pools, 0019 the audio controls, 0020 dialogues). Edit this file, not a migration: it is re-applied
-- at start-up whenever its checksum changes. A change of arguments or result type needs a migration that drops the old one first.
create or replace function admit_jobs(
    p_tenant uuid, p_ids uuid[], p_texts text[], p_languages text[], p_voices text[], p_formats text[], p_callbacks text[],
    p_kinds text[], p_speeds real[], p_chars integer[], p_audio_ms bigint[], p_streams boolean[], p_word_timestamps boolean[], p_pools text[],
    p_sample_rates integer[], p_seeds integer[], p_streaming_latencies smallint[], p_previous_texts text[], p_next_texts text[],
    p_dialogues jsonb[], p_period date, p_max_open integer, p_max_chars bigint, p_max_audio_seconds bigint)
returns table (refusal text, job jobs)
    language plpgsql as $$
    declare
        v_open bigint := 0;
        v_chars bigint := 0;
        v_audio bigint := 0;
    begin
        if p_max_open is not null or p_max_chars is not null or p_max_audio_seconds is not null then
            perform pg_advisory_xact_lock(hashtextextended('voice:admit:' || p_tenant::text, 0));
            select coalesce(sum(o.jobs), 0),
                   coalesce(sum(o.reserved_chars) filter (where o.period = p_period), 0),
                   coalesce(sum(o.reserved_audio_ms) filter (where o.period = p_period), 0)
              into v_open, v_chars, v_audio
            from open_jobs o where o.tenant_id = p_tenant;
            select v_chars + coalesce(sum(q.used_chars), 0), v_audio + coalesce(sum(q.used_audio_ms), 0)
              into v_chars, v_audio
            from quota_periods q where q.tenant_id = p_tenant and q.period = p_period;
        end if;
        for i in 1 .. coalesce(array_length(p_ids, 1), 0) loop
            refusal := case
                when p_max_open is not null and v_open >= p_max_open then 'concurrency'
                when p_max_chars is not null and v_chars + p_chars[i] > p_max_chars then 'characters'
                when p_max_audio_seconds is not null and v_audio + p_audio_ms[i] > p_max_audio_seconds * 1000 then 'audio_seconds'
            end;
            job := null;
            if refusal is null then
                insert into jobs (id, tenant_id, text, language, voice, format, callback_url, kind, speed, quota_period, reserved_chars, reserved_audio_ms, stream, word_timestamps, pool,
                                  requested_sample_rate, seed, streaming_latency, previous_text, next_text, dialogue)
                values (p_ids[i], p_tenant, p_texts[i], p_languages[i], p_voices[i], p_formats[i], p_callbacks[i], p_kinds[i], p_speeds[i],
                        p_period, p_chars[i], p_audio_ms[i], p_streams[i], p_word_timestamps[i], p_pools[i],
                        p_sample_rates[i], p_seeds[i], p_streaming_latencies[i], p_previous_texts[i], p_next_texts[i], p_dialogues[i])
                returning * into job;
                v_open := v_open + 1;
                v_chars := v_chars + p_chars[i];
                v_audio := v_audio + p_audio_ms[i];
            end if;
            return next;
        end loop;
    end
    $$;
