-- The services (voice_app) may rename their own tenant, never change its plan or status: that is the admin API's
-- (voice_admin). Row-level security already limits them to their own row; this limits the columns.
revoke update on tenants from voice_app;
grant update (name) on tenants to voice_app;
