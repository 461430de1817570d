-- Email verification: an owner who signed up proves their address (a one-time token mailed to it) before the tenant
-- may create API keys. Users who were already here, and people who join by invitation (mailed to them), count as verified.
--
-- Adding the column with a default fills the users that exist now (DDL, so row-level security does not hide any),
-- then the default goes: a new row is unverified unless its insert says otherwise. The column is covered by the
-- table's grants to voice_app and by its forced row-level security, like every other column of users.
alter table users add column email_verified_at timestamptz default now();
alter table users alter column email_verified_at drop default;

-- Verification tokens are account tokens of their own kind, bound to the user like password resets.
do $$
declare c record;
begin
    for c in select conname from pg_constraint
             where conrelid = 'account_tokens'::regclass and contype = 'c' and pg_get_constraintdef(oid) like '%password_reset%'
    loop
        execute format('alter table account_tokens drop constraint %I', c.conname);
    end loop;
end $$;
alter table account_tokens add constraint account_tokens_kind_check
    check (kind in ('invite', 'password_reset', 'email_verification'));
alter table account_tokens add constraint account_tokens_user_check
    check ((kind in ('password_reset', 'email_verification')) = (user_id is not null));
