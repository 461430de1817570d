-- Retention: a result's audio is deleted once its plan's retention_days have passed since the job finished (or
-- when the tenant deletes it); the job row stays, for its status and usage, and says when the audio went.
alter table jobs add column result_deleted_at timestamptz;
create index jobs_results_kept on jobs (finished_at) where result_path is not null;
