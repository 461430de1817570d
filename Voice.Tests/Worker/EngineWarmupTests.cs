using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging.Abstractions;
using Voice.Speech.Espeak;
using Voice.Worker.Hosting;

namespace Voice.Tests.Worker;

public sealed class EngineWarmupTests
{
    [Fact]
    public async Task ReadinessFailsUntilTheEngineIsWarm()
    {
        var warmup = new EngineWarmup(new EspeakEngine(), NullLogger<EngineWarmup>.Instance);

        var before = await warmup.CheckHealthAsync(new HealthCheckContext());
        await warmup.RunAsync(CancellationToken.None);
        var after = await warmup.CheckHealthAsync(new HealthCheckContext());

        Assert.Equal(HealthStatus.Unhealthy, before.Status);
        Assert.Equal(HealthStatus.Healthy, after.Status);
    }
}
