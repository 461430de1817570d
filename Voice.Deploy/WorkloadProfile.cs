namespace Voice.Deploy;

/// <summary>How a workload scales: on CPU (a HorizontalPodAutoscaler) or on the job queue's backlog (a KEDA ScaledObject).</summary>
public enum Scaling
{
    Cpu,
    QueueBacklog,
}

/// <summary>
/// The operational shape of one service in production (the base): replicas, resources, scaling, shutdown and
/// start-up allowances, its public host, whether it calls the internet and whether it runs on a GPU (which the
/// prod overlay adds). Overlays adjust it per environment.
/// </summary>
public sealed record WorkloadProfile(
    int Replicas,
    string CpuRequest,
    string MemoryRequest,
    string CpuLimit,
    string MemoryLimit,
    Scaling Scaling,
    int MinReplicas,
    int MaxReplicas,
    int GracePeriodSeconds,
    int StartupSeconds,
    string? PublicHost,
    bool CallsInternet,
    bool Gpu = false)
{
    /// <summary>Backlog entries (waiting or running) per worker replica that KEDA aims for: twice the worker's slots.</summary>
    public const int BacklogPerWorker = 4;

    public static WorkloadProfile For(string service) => service switch
    {
        // The API answers tenants and sends test webhooks; it migrates the schema at start-up (under a lock).
        "api" => new(2, "500m", "512Mi", "2", "1Gi", Scaling.Cpu, 2, 10, 30, 120, "api", CallsInternet: true),
        // The portal: server-rendered pages, a client of the API only.
        "web" => new(2, "250m", "256Mi", "1", "512Mi", Scaling.Cpu, 2, 6, 30, 60, "", CallsInternet: false),
        _ => throw new InvalidDataException($"No workload profile for the AppHost project '{service}'; add one in {nameof(WorkloadProfile)}."),
    };

    /// <summary>
    /// A worker pool's shape, from the engine it runs. Every worker sends webhooks, and on SIGTERM hands its running
    /// jobs back to the queue within 30 s (no attempt counted), so 60 s of grace covers shutdown.
    /// </summary>
    public static WorkloadProfile ForWorkerPool(string pool, string engine) => engine switch
    {
        // Qwen3-TTS: 4/2 CPUs, 8Gi/6Gi, a GPU each; loading and warming the model may take minutes, hence the long
        // start-up allowance before liveness counts. Scales to zero when idle (GPUs are the cost); starts with one
        // replica so the pool announces itself to the API, which routes only to pools it has seen.
        "qwen3-onnx" => new(1, "2", "6Gi", "4", "8Gi", Scaling.QueueBacklog, 0, 12, 60, 900, null, CallsInternet: true, Gpu: true),
        // The embedded engines: CPU only (two slots), no model to load.
        "espeak" or "null" => new(2, "1", "1Gi", "2", "2Gi", Scaling.QueueBacklog, 2, 12, 60, 120, null, CallsInternet: true),
        _ => throw new InvalidDataException($"The worker pool '{pool}' runs the engine '{engine}', which has no workload profile; add one in {nameof(WorkloadProfile)}."),
    };
}
