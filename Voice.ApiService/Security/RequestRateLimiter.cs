using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using Voice.ApiService.Accounts;
using Voice.ApiService.Model;
using Voice.ApiService.Services;
using Voice.Core.Billing;

namespace Voice.ApiService.Security;

/// <summary>The outcome of one rate-limit check: both buckets' state after it.</summary>
public readonly record struct RateDecision(bool Allowed, double TenantTokens, double KeyTokens, double RetryAfterSeconds);

/// <summary>
/// Token buckets per tenant and per credential, shared by every API replica: one Lua script checks and takes
/// from both atomically, on Redis's clock (so replicas' clocks do not matter). A request is admitted only if
/// both buckets hold a token. Buckets expire once idle long enough to be full again.
/// Portal sessions (people clicking through the portal, whose pages each make a few API calls) draw from a
/// separate per-tenant portal bucket with fixed, browsing-sized limits instead of the plan's API bucket:
/// a person using the portal never starves the tenant's integrations, nor the other way round. Only requests
/// that the portal itself relays (they carry its credential, <see cref="PortalHeader"/>) count as the portal: a
/// session token used directly against the API is an API client like a key, with the plan's buckets capped at
/// the portal's, so logging in through the API never buys more than the plan pays for.
/// </summary>
public sealed class RequestRateLimiter(IConnectionMultiplexer redis)
{
    /// <summary>The portal buckets' refill rate and burst (per tenant, and per session).</summary>
    public const double PortalRate = 20, PortalBurst = 100;

    /// <summary>The header the portal sends its credential in (the portal's <c>PortalOptions.ApiCredentialHeader</c>).</summary>
    public const string PortalHeader = "X-Voice-Portal";

    // KEYS: tenant bucket, credential bucket. ARGV: tenant rate, tenant burst, key rate, key burst.
    // Returns {allowed, tenant tokens, key tokens, retry-after seconds} (numbers as strings: Lua floats).
    private static readonly LuaScript Script = LuaScript.Prepare("""
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local function level(key, rate, burst)
            local v = redis.call('HMGET', key, 'tokens', 'at')
            local tokens = tonumber(v[1]) or burst
            local at = tonumber(v[2]) or now
            return math.min(burst, tokens + math.max(0, now - at) * rate)
        end
        local rate1, burst1 = tonumber(@tenantRate), tonumber(@tenantBurst)
        local rate2, burst2 = tonumber(@keyRate), tonumber(@keyBurst)
        local a = level(@tenantKey, rate1, burst1)
        local b = level(@credentialKey, rate2, burst2)
        local allowed = 0
        local retry = 0
        if a >= 1 and b >= 1 then
            allowed = 1
            a = a - 1
            b = b - 1
        else
            retry = math.max(a >= 1 and 0 or (1 - a) / rate1, b >= 1 and 0 or (1 - b) / rate2)
        end
        redis.call('HSET', @tenantKey, 'tokens', a, 'at', now)
        redis.call('PEXPIRE', @tenantKey, math.ceil(burst1 / rate1 * 1000) + 1000)
        redis.call('HSET', @credentialKey, 'tokens', b, 'at', now)
        redis.call('PEXPIRE', @credentialKey, math.ceil(burst2 / rate2 * 1000) + 1000)
        return {allowed, tostring(a), tostring(b), tostring(retry)}
        """);

    public async Task<RateDecision> CheckAsync(CallerIdentity caller, PlanLimits plan, bool viaPortal)
    {
        // One hash slot per tenant, so both keys live together (and a cluster can run the script).
        var limits = Limits.For(caller, plan, viaPortal);
        string tenantKey = $"{{rl:{caller.TenantId:N}}}:{(limits.Portal ? "portal" : "tenant")}";
        string credentialKey = $"{{rl:{caller.TenantId:N}}}:cred:{caller.CredentialId}";
        var result = (RedisResult[])(await redis.GetDatabase().ScriptEvaluateAsync(Script, new
        {
            tenantKey = (RedisKey)tenantKey,
            credentialKey = (RedisKey)credentialKey,
            tenantRate = limits.TenantRate,
            tenantBurst = limits.TenantBurst,
            keyRate = limits.KeyRate,
            keyBurst = limits.KeyBurst,
        }).ConfigureAwait(false))!;
        return new RateDecision((long)result[0] == 1, Parse(result[1]), Parse(result[2]), Parse(result[3]));
    }

    private static double Parse(RedisResult value) => double.Parse((string)value!, CultureInfo.InvariantCulture);

    /// <summary>
    /// The two buckets' rates and bursts for a caller: the portal's for sessions the portal relays, the plan's for
    /// keys, and the plan's capped at the portal's for a session used directly.
    /// </summary>
    public readonly record struct Limits(double TenantRate, double TenantBurst, double KeyRate, double KeyBurst, bool Portal)
    {
        public static Limits For(CallerIdentity caller, PlanLimits plan, bool viaPortal) => caller.Kind switch
        {
            CredentialKind.Session when viaPortal => new(PortalRate, PortalBurst, PortalRate, PortalBurst, Portal: true),
            CredentialKind.Session => new(Math.Min(plan.RatePerSecond, PortalRate), Math.Min(plan.RateBurst, PortalBurst),
                Math.Min(plan.KeyRatePerSecond, PortalRate), Math.Min(plan.KeyRateBurst, PortalBurst), Portal: false),
            _ => new(plan.RatePerSecond, plan.RateBurst, plan.KeyRatePerSecond, plan.KeyRateBurst, Portal: false),
        };
    }
}

/// <summary>
/// Applies <see cref="RequestRateLimiter"/> to every request a tenant credential authenticated, after
/// authorization (only then is the caller known) and before the endpoint. Answers 429 problem+json with
/// <c>Retry-After</c>; every answer carries the IETF <c>RateLimit-Policy</c> and <c>RateLimit</c> headers for
/// the tighter of the two buckets. If Redis cannot answer, the request goes through: a limiter outage must
/// not become an API outage (the quotas in the ledger still hold).
/// </summary>
public sealed partial class RateLimitMiddleware(RequestDelegate next, RequestRateLimiter limiter, PlanCatalog plans, PortalCredential portal, ILogger<RateLimitMiddleware> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (context.Features.Get<CallerIdentity>() is not { } caller)
        {
            await next(context);
            return;
        }
        RateDecision decision;
        PlanLimits plan;
        bool viaPortal = caller.Kind == CredentialKind.Session && portal.Matches(context.Request.Headers[RequestRateLimiter.PortalHeader]);
        try
        {
            plan = await plans.GetAsync(caller.Plan, context.RequestAborted);
            long started = Stopwatch.GetTimestamp();
            decision = await limiter.CheckAsync(caller, plan, viaPortal);
            ApiMetrics.RateLimitCheck.Record(Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        catch (Exception ex) when (ex is not OperationCanceledException) // any limiter fault: Redis down, restarting, a dropped connection
        {
            LogLimiterUnavailable(logger, ex);
            ApiMetrics.RateLimiterUnavailable.Add(1);
            await next(context);
            return;
        }
        // Report the bucket that binds: the one with fewer tokens relative to its size.
        var limits = RequestRateLimiter.Limits.For(caller, plan, viaPortal);
        bool tenantBinds = decision.TenantTokens / limits.TenantBurst <= decision.KeyTokens / limits.KeyBurst;
        var (name, burst, rate, tokens) = tenantBinds
            ? ("tenant", limits.TenantBurst, limits.TenantRate, decision.TenantTokens)
            : ("key", limits.KeyBurst, limits.KeyRate, decision.KeyTokens);
        int window = Math.Max(1, (int)Math.Ceiling(burst / rate));
        int untilFull = (int)Math.Ceiling((burst - tokens) / rate);
        context.Response.Headers["RateLimit-Policy"] = $"\"{name}\";q={burst};w={window}";
        context.Response.Headers["RateLimit"] = $"\"{name}\";r={(int)Math.Floor(tokens)};t={untilFull}";
        if (decision.Allowed)
        {
            await next(context);
            return;
        }
        int retryAfter = Math.Max(1, (int)Math.Ceiling(decision.RetryAfterSeconds));
        ApiMetrics.RateLimited.Add(1, new("bucket", name), new("plan", plan.Id));
        LogLimited(logger, caller.TenantId, name, retryAfter);
        context.Response.Headers.RetryAfter = retryAfter.ToString(CultureInfo.InvariantCulture);
        var problem = Problems.Create(StatusCodes.Status429TooManyRequests, Problems.RateLimited, "Too many requests.",
            limits.Portal
                ? $"The portal allows {limits.TenantRate:0.##} requests per second (bursts of {limits.TenantBurst}) per workspace; retry after {retryAfter} s."
                : $"The '{plan.Id}' plan allows {limits.TenantRate:0.##} requests per second (bursts of {limits.TenantBurst}) per tenant and {limits.KeyRate:0.##} (bursts of {limits.KeyBurst}) per credential; retry after {retryAfter} s.",
            new Dictionary<string, object?> { ["retry_after_seconds"] = retryAfter });
        await problem.ExecuteAsync(context);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Tenant {TenantId} was rate limited by its {Bucket} bucket; retry after {RetryAfter} s")]
    private static partial void LogLimited(ILogger logger, Guid tenantId, string bucket, int retryAfter);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rate limiter unavailable; the request was let through")]
    private static partial void LogLimiterUnavailable(ILogger logger, Exception exception);
}
