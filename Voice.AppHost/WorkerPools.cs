using Microsoft.Extensions.Configuration;

namespace Aspire.Hosting;

/// <summary>
/// One worker pool: its name (the worker's <c>Worker:Pool</c>: its queue lanes and what it announces), the engine it
/// runs, that engine's model directory, and the AppHost resource that runs it.
/// </summary>
public sealed record WorkerPool(string Name, string Engine, string? ModelDirectory, string ResourceName);

/// <summary>
/// The worker pools the AppHost starts: <c>VOICE_POOLS</c>, comma-separated <c>[name=]engine[:modelDirectory]</c>
/// (e.g. <c>espeak,qwen3-base=qwen3-onnx:/models/qwen3-base</c>), else one pool of <c>VOICE_SPEECH_ENGINE</c>
/// (default espeak) with <c>VOICE_MODEL_DIR</c>. The first pool is the resource <c>worker</c>, each further one
/// <c>worker-&lt;name&gt;</c>.
/// </summary>
public static class WorkerPools
{
    public const string FirstResourceName = "worker";

    /// <summary>The engines a worker can run; only <c>qwen3-onnx</c> reads a model directory.</summary>
    public static readonly IReadOnlyList<string> Engines = ["espeak", "null", "qwen3-onnx"];

    private const string ModelEngine = "qwen3-onnx";

    public static IReadOnlyList<WorkerPool> FromConfiguration(IConfiguration configuration)
    {
        if (configuration["VOICE_POOLS"] is { Length: > 0 } pools)
        {
            return Parse(pools);
        }
        // Unchecked, as before pools existed: the worker itself refuses an engine it does not know.
        string engine = configuration["VOICE_SPEECH_ENGINE"] ?? "espeak";
        return [new WorkerPool(engine, engine, configuration["VOICE_MODEL_DIR"] is { Length: > 0 } directory ? directory : null, FirstResourceName)];
    }

    /// <summary>Parses <c>VOICE_POOLS</c>; a bad entry stops the AppHost with a message that quotes it.</summary>
    public static IReadOnlyList<WorkerPool> Parse(string specs)
    {
        var pools = new List<WorkerPool>();
        foreach (string entry in specs.Split(',').Select(e => e.Trim()))
        {
            var pool = ParseEntry(entry, first: pools.Count == 0);
            if (pools.Any(p => p.Name == pool.Name))
            {
                throw Invalid(entry, $"the pool name '{pool.Name}' is used twice");
            }
            if (pools.Any(p => p.ResourceName == pool.ResourceName))
            {
                throw Invalid(entry, $"its resource name '{pool.ResourceName}' is another pool's (dots become dashes)");
            }
            pools.Add(pool);
        }
        return pools;
    }

    /// <summary>The worker's rule for pool names (<c>PoolRegistry.IsValidName</c>): they name Redis keys, metric labels and Kubernetes objects.</summary>
    public static bool IsValidName(string name) =>
        name.Length is > 0 and <= 40 && name.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c is '-' or '.');

    private static WorkerPool ParseEntry(string entry, bool first)
    {
        if (entry.Length == 0)
        {
            throw Invalid(entry, "it is empty");
        }
        int equals = entry.IndexOf('=', StringComparison.Ordinal);
        string rest = equals < 0 ? entry : entry[(equals + 1)..];
        int colon = rest.IndexOf(':', StringComparison.Ordinal);
        string engine = colon < 0 ? rest : rest[..colon];
        string? directory = colon < 0 ? null : rest[(colon + 1)..];
        string name = equals < 0 ? engine : entry[..equals];

        if (!Engines.Contains(engine))
        {
            throw Invalid(entry, $"unknown engine '{engine}' (known: {string.Join(", ", Engines)})");
        }
        if (!IsValidName(name))
        {
            throw Invalid(entry, $"the pool name '{name}' is not 1-40 lowercase letters, digits, '-' or '.'");
        }
        if (engine == ModelEngine && string.IsNullOrEmpty(directory))
        {
            throw Invalid(entry, $"{ModelEngine} needs its model directory ({name}={ModelEngine}:/path/to/model)");
        }
        if (engine != ModelEngine && directory is not null)
        {
            throw Invalid(entry, $"{engine} reads no model directory");
        }
        string resourceName = first ? FirstResourceName : $"{FirstResourceName}-{name.Replace('.', '-')}";
        // Aspire's resource names (and Kubernetes Service names): no doubled or trailing dash.
        if (resourceName.Contains("--", StringComparison.Ordinal) || resourceName.EndsWith('-'))
        {
            throw Invalid(entry, $"its resource name '{resourceName}' has a doubled or trailing dash");
        }
        return new WorkerPool(name, engine, directory, resourceName);
    }

    private static InvalidOperationException Invalid(string entry, string reason) =>
        new($"VOICE_POOLS entry '{entry}' is invalid: {reason}. Expected comma-separated [name=]engine[:modelDirectory].");
}
