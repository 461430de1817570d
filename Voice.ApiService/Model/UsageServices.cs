using Voice.Core.Audit;
using Voice.Core.Billing;

namespace Voice.ApiService.Model;

/// <summary>What the usage handlers read from.</summary>
public sealed class UsageServices(UsageReports reports, AuditLog audit, TimeProvider clock)
{
    public UsageReports Reports { get; } = reports;

    public AuditLog Audit { get; } = audit;

    public TimeProvider Clock { get; } = clock;
}

/// <summary>The query of <c>GET /api/v1/usage/records</c>.</summary>
public sealed record UsageRecordsQuery(DateTimeOffset? From, DateTimeOffset? To, string? Format, long? After, int? Limit);
