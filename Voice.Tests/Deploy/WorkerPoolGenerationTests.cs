using Voice.Deploy;

namespace Voice.Tests.Deploy;

/// <summary>
/// How the generator maps worker pools (any AppHost project of Voice.Worker, whatever its name): each gets its own
/// Deployment scaled on its own pool's backlog (read from the API, so GPU pools can rest at zero), shaped by its
/// engine; a pool it cannot deploy is refused by name.
/// </summary>
public sealed class WorkerPoolGenerationTests
{
    [Fact]
    public void APoolIsRecognisedByItsProjectAndShapedByItsEngine()
    {
        var plan = DeploymentPlan.From(Manifest(Pool("speech-cpu", "espeak"), Pool("speech-gpu", "qwen3-onnx", "/models/design")));

        var cpu = plan.Services.Single(s => s.Name == "speech-cpu");
        var gpu = plan.Services.Single(s => s.Name == "speech-gpu");
        Assert.All(new[] { cpu, gpu }, s => Assert.Equal(Scaling.QueueBacklog, s.Profile.Scaling));
        Assert.All(new[] { cpu, gpu }, s => Assert.Equal("voice-worker", s.Image));
        Assert.False(cpu.Profile.Gpu);
        Assert.True(gpu.Profile.Gpu);
        Assert.Equal("/models/design", gpu.Setting("Speech__ModelDirectory"));
    }

    [Fact]
    public void EachPoolScalesOnItsOwnBacklogFromTheApiAndOnlyGpuPoolsGetGpus()
    {
        var files = KubernetesOutput.Generate(Manifest(Pool("speech-cpu", "espeak"), Pool("speech-gpu", "qwen3-onnx", "/models/design")), new PublishOptions());

        foreach (string pool in new[] { "speech-cpu", "speech-gpu" })
        {
            Assert.Contains($"url: http://api.{BaseLayer.Namespace}.svc.cluster.local:9464/queue/stats/{pool}", files[$"base/{pool}.yaml"], StringComparison.Ordinal);
        }
        string gpuPatches = files["overlays/prod/gpu-workers.yaml"];
        Assert.Contains("name: speech-gpu", gpuPatches, StringComparison.Ordinal);
        Assert.DoesNotContain("speech-cpu", gpuPatches, StringComparison.Ordinal);
        Assert.Contains("paused-replicas", files["overlays/dev/scale.yaml"], StringComparison.Ordinal);
        // One image for every pool.
        Assert.Single(files["overlays/prod/kustomization.yaml"].Split('\n'), l => l.Contains("newName: registry.example.com/voice/voice-worker", StringComparison.Ordinal));
    }

    [Fact]
    public void GpuPoolsScaleToZeroAndWakeOnTheFirstJobWhileCpuPoolsKeepTheirMinimum()
    {
        var plan = DeploymentPlan.From(Manifest(Pool("speech-cpu", "espeak"), Pool("speech-gpu", "qwen3-onnx", "/models/design")));
        var files = KubernetesOutput.Generate(Manifest(Pool("speech-cpu", "espeak"), Pool("speech-gpu", "qwen3-onnx", "/models/design")), new PublishOptions());

        Assert.Equal(0, plan.Services.Single(s => s.Name == "speech-gpu").Profile.MinReplicas);
        Assert.Equal(2, plan.Services.Single(s => s.Name == "speech-cpu").Profile.MinReplicas);
        string gpu = files["base/speech-gpu.yaml"], cpu = files["base/speech-cpu.yaml"];
        Assert.Contains("minReplicaCount: 0", gpu, StringComparison.Ordinal);
        Assert.Contains("cooldownPeriod: 900", gpu, StringComparison.Ordinal);
        Assert.Contains("activationTargetValue: \"0\"", gpu, StringComparison.Ordinal);
        Assert.Contains("minReplicaCount: 2", cpu, StringComparison.Ordinal);
        // The API's Service exposes its metrics port for KEDA, whose namespace its policy admits there.
        Assert.Contains("name: metrics", files["base/api.yaml"].Split("kind: Service\n")[1].Split("---")[0], StringComparison.Ordinal);
    }

    [Fact]
    public void PoolsWithoutAnApiToReadTheirBacklogFromAreRefused()
    {
        var error = Assert.Throws<InvalidDataException>(() => KubernetesOutput.Generate(
            AspireManifest.Parse("{\"resources\": {" + Pool("speech-cpu", "espeak") + "}}"), new PublishOptions()));
        Assert.Contains("'speech-cpu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(DeploymentPlan.ApiProject, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WithoutGpuPoolsProductionHasNoModelVolumeAndNothingPaused()
    {
        var files = KubernetesOutput.Generate(Manifest(Pool("worker", "espeak")), new PublishOptions());

        Assert.DoesNotContain("overlays/prod/gpu-workers.yaml", files.Keys);
        Assert.DoesNotContain("overlays/prod/models.yaml", files.Keys);
        Assert.DoesNotContain("gpu-workers.yaml", files["overlays/prod/kustomization.yaml"], StringComparison.Ordinal);
        Assert.DoesNotContain("paused-replicas", files["overlays/dev/scale.yaml"], StringComparison.Ordinal);
    }

    [Fact]
    public void APoolWithAnEngineWithoutAProfileIsRefusedByName()
    {
        var error = Assert.Throws<InvalidDataException>(() => DeploymentPlan.From(Manifest(Pool("speech-x", "tacotron"))));
        Assert.Contains("'speech-x'", error.Message, StringComparison.Ordinal);
        Assert.Contains("'tacotron'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AGpuPoolWhoseModelIsOutsideTheModelsVolumeIsRefusedByName()
    {
        var error = Assert.Throws<InvalidDataException>(() => KubernetesOutput.Generate(Manifest(Pool("speech-gpu", "qwen3-onnx", "/srv/model")), new PublishOptions()));
        Assert.Contains("'speech-gpu'", error.Message, StringComparison.Ordinal);
        Assert.Contains(Overlays.ModelsPath, error.Message, StringComparison.Ordinal);
    }

    private static string Pool(string name, string engine, string? modelDirectory = null)
    {
        string model = modelDirectory is null ? "" : $", \"Speech__ModelDirectory\": \"{modelDirectory}\"";
        return $$$"""
            "{{{name}}}": {"type": "project.v0", "path": "../Voice.Worker/Voice.Worker.csproj",
              "env": {"Worker__Pool": "{{{name}}}", "Speech__Engine": "{{{engine}}}"{{{model}}}},
              "bindings": {"http": {"scheme": "http", "protocol": "tcp", "transport": "http"} } }
            """;
    }

    /// <summary>The API (which serves the pools' backlog) and the given pools.</summary>
    private static AspireManifest Manifest(params string[] resources) =>
        AspireManifest.Parse("{\"resources\": {" + string.Join(",", [Api, .. resources]) + "}}");

    private const string Api = """
        "api": {"type": "project.v0", "path": "../Voice.ApiService/Voice.ApiService.csproj", "env": {},
          "bindings": {"http": {"scheme": "http", "protocol": "tcp", "transport": "http", "external": true} } }
        """;
}
