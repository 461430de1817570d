using Microsoft.Extensions.Options;
using Voice.Speech.Engines;

namespace Voice.Worker.Hosting;

/// <summary>
/// The pool this worker serves (<see cref="WorkerOptions.Pool"/>, or the engine's name): the lanes it picks from and
/// reclaims in, the name it announces, the <c>pool</c> label on its metrics.
/// </summary>
public sealed class WorkerPool(IOptions<WorkerOptions> options, ISpeechEngine engine)
{
    public string Name { get; } = options.Value.Pool ?? engine.Name;

    /// <summary>The autoscaler may take this pool to no workers (<see cref="WorkerOptions.ScalesToZero"/>).</summary>
    public bool ScalesToZero { get; } = options.Value.ScalesToZero;
}
