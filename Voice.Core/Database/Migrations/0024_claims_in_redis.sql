-- Claims live in Redis: a job a worker holds stays 'queued' in the ledger until its one finishing update (which
-- records its epoch, attempts and start). Jobs left 'running' by workers from before are queued again; their
-- queue entries are redelivered as before, and only a queued row can finish.
update jobs set status = 'queued' where status = 'running';
