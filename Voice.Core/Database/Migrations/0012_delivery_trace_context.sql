-- A webhook delivery continues the trace of whatever wrote it (a job's completion in the worker): the services
-- declare their current W3C trace context per transaction (voice.trace_parent), and the row keeps it.
alter table webhook_deliveries add column trace_parent text default nullif(current_setting('voice.trace_parent', true), '');
