using Voice.Deploy;

namespace Voice.Tests.Deploy;

/// <summary>
/// How the generator maps worker pools (any AppHost project of Voice.Worker, whatever its name): each gets its own
/// scaled Deployment on its own Service, shaped by its engine; a pool it cannot deploy is refused by name.
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
    public void EachPoolScalesOnItsOwnServiceAndOnlyGpuPoolsGetGpus()
    {
        var files = KubernetesOutput.Generate(Manifest(Pool("speech-cpu", "espeak"), Pool("speech-gpu", "qwen3-onnx", "/models/design")), new PublishOptions());

        foreach (string pool in new[] { "speech-cpu", "speech-gpu" })
        {
            Assert.Contains($"url: http://{pool}.{BaseLayer.Namespace}.svc.cluster.local:8080/queue/stats", files[$"base/{pool}.yaml"], StringComparison.Ordinal);
        }
        string gpuPatches = files["overlays/prod/gpu-workers.yaml"];
        Assert.Contains("name: speech-gpu", gpuPatches, StringComparison.Ordinal);
        Assert.DoesNotContain("speech-cpu", gpuPatches, StringComparison.Ordinal);
        Assert.Contains("paused-replicas", files["overlays/dev/scale.yaml"], StringComparison.Ordinal);
        // One image for every pool.
        Assert.Single(files["overlays/prod/kustomization.yaml"].Split('\n'), l => l.Contains("newName: registry.example.com/voice/voice-worker", StringComparison.Ordinal));
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

    private static AspireManifest Manifest(params string[] resources) =>
        AspireManifest.Parse("{\"resources\": {" + string.Join(",", resources) + "}}");
}
