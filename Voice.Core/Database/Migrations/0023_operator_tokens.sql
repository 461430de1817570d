-- Operators' named, revocable bearer tokens for the admin API (the configured Admin:Token stays as the bootstrap
-- operator's). Only the token's SHA-256 is kept; it is shown once, when created. Only voice_admin (the admin API)
-- sees this table: the services' role (voice_app) has no grant on it, so it needs no row-level security.
create table operator_tokens (
    id            uuid primary key,
    name          text not null check (length(name) between 1 and 64),
    token_hash    bytea not null unique check (length(token_hash) = 32),
    created_at    timestamptz not null default now(),
    created_by    text not null,
    last_used_at  timestamptz,
    revoked_at    timestamptz
);
-- A name is unique among the active tokens: a revoked operator's name may be given again.
create unique index operator_tokens_active_name on operator_tokens (name) where revoked_at is null;

grant select, insert, update on operator_tokens to voice_admin;
