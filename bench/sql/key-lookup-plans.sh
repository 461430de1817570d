#!/usr/bin/env bash
# The API-key lookup as a SQL function (re-planned on every call: SET makes it non-inlinable, and Postgres 15 keeps no
# plan for SQL functions) against the same query in plpgsql (its plan kept for the session): pgbench, one client,
# prepared, rounds alternating, on a throwaway Postgres 15 cluster with 1,000 tenants and keys. Run as root.
#   bench/sql/key-lookup-plans.sh [seconds a round (5)] [rounds (3)]
set -euo pipefail
B=/usr/lib/postgresql/15/bin; dir=$(mktemp -d /tmp/key-lookup.XXXXXX); chown postgres "$dir"; port=55439
trap 'su postgres -c "$B/pg_ctl -D $dir/data stop -m immediate" >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
su postgres -c "$B/initdb -D $dir/data -A trust >/dev/null && $B/pg_ctl -D $dir/data -o '-p $port -k $dir' -l $dir/log start >/dev/null"
sleep 2
psql() { "$B/psql" -h "$dir" -p "$port" -U postgres -q "$@" postgres; }
returns="returns table (tenant_id uuid, tenant_slug text, tenant_status text, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz, plan text)"
query="select k.tenant_id, t.slug, t.status, k.secret_hash, k.scopes, k.expires_at, k.revoked_at, t.plan from api_keys k join tenants t on t.id = k.tenant_id where k.id = p_key_id"
psql <<SQL
create table tenants (id uuid primary key, slug text, status text, plan text);
create table api_keys (id text primary key, tenant_id uuid references tenants, secret_hash bytea, scopes text[], expires_at timestamptz, revoked_at timestamptz);
insert into tenants select md5(i::text)::uuid, 't' || i, 'active', 'load' from generate_series(1, 1000) i;
insert into api_keys select 'k' || i, md5(i::text)::uuid, sha256(i::text::bytea), '{speech:write}', null, null from generate_series(1, 1000) i;
analyze;
create function auth_sql(p_key_id text) $returns language sql stable security definer set search_path = public, pg_temp as \$\$ $query \$\$;
create function auth_plpgsql(p_key_id text) $returns language plpgsql stable security definer set search_path = public, pg_temp
  as \$\$ begin return query $query; end \$\$;
SQL
for kind in sql plpgsql; do printf '\\set i random(1, 1000)\nselect * from auth_%s(%s || :i);\n' "$kind" "'k'" > "$dir/$kind.pgb"; done
for round in $(seq 1 "${2:-3}"); do
  for kind in sql plpgsql; do
    printf '%-8s round %s: ' "$kind" "$round"
    "$B/pgbench" -h "$dir" -p "$port" -U postgres -n -M prepared -c 1 -T "${1:-5}" -f "$dir/$kind.pgb" postgres 2>&1 | grep -E 'latency average|^tps' | tr '\n' ' '
    echo
  done
done
