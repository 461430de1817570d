using Aspire.Hosting;
using Microsoft.Extensions.Configuration;
using Voice.Core.Pools;

namespace Voice.Tests.AppHost;

/// <summary>VOICE_POOLS: the worker pools the AppHost starts, and the clear refusal of a spec it cannot start.</summary>
public sealed class WorkerPoolsTests
{
    [Fact]
    public void EachPoolGetsItsNameEngineModelAndResource()
    {
        var pools = WorkerPools.Parse("espeak, qwen3-base=qwen3-onnx:/models/qwen3-base,fast.cpu=null");

        Assert.Equal(
            [
                new WorkerPool("espeak", "espeak", null, "worker"),
                new WorkerPool("qwen3-base", "qwen3-onnx", "/models/qwen3-base", "worker-qwen3-base"),
                new WorkerPool("fast.cpu", "null", null, "worker-fast-cpu"),
            ],
            pools);
    }

    [Fact]
    public void WithoutVoicePoolsTheOnePoolIsTheConfiguredEngine()
    {
        Assert.Equal([new WorkerPool("espeak", "espeak", null, "worker")], WorkerPools.FromConfiguration(Configuration([])));
        Assert.Equal(
            [new WorkerPool("qwen3-onnx", "qwen3-onnx", "/m/base", "worker")],
            WorkerPools.FromConfiguration(Configuration(new() { ["VOICE_SPEECH_ENGINE"] = "qwen3-onnx", ["VOICE_MODEL_DIR"] = "/m/base" })));
        Assert.Equal(
            [new WorkerPool("null", "null", null, "worker"), new WorkerPool("e", "espeak", null, "worker-e")],
            WorkerPools.FromConfiguration(Configuration(new() { ["VOICE_POOLS"] = "null,e=espeak", ["VOICE_SPEECH_ENGINE"] = "qwen3-onnx" })));
    }

    [Theory]
    [InlineData("espeak,tacotron", "tacotron", "unknown engine 'tacotron'")]
    [InlineData("Big=espeak", "Big=espeak", "pool name 'Big'")]
    [InlineData("=espeak", "=espeak", "pool name ''")]
    [InlineData("a=espeak,a=null", "a=null", "'a' is used twice")]
    [InlineData("espeak,q=qwen3-onnx", "q=qwen3-onnx", "needs its model directory")]
    [InlineData("espeak,q=qwen3-onnx:", "q=qwen3-onnx:", "needs its model directory")]
    [InlineData("e=espeak:/models/x", "e=espeak:/models/x", "reads no model directory")]
    [InlineData("espeak,a.b=null,a-b=null", "a-b=null", "'worker-a-b' is another pool's")]
    [InlineData("espeak,x-=null", "x-=null", "doubled or trailing dash")]
    [InlineData("espeak,a.-b=null", "a.-b=null", "doubled or trailing dash")]
    [InlineData("espeak,,null", "", "it is empty")]
    [InlineData("a234567890123456789012345678901234567890x=null", "a234567890123456789012345678901234567890x=null", "1-40")]
    public void ABadEntryStopsTheAppHostNamingIt(string specs, string entry, string reason)
    {
        var error = Assert.Throws<InvalidOperationException>(() => WorkerPools.Parse(specs));
        Assert.Contains($"VOICE_POOLS entry '{entry}' is invalid", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("espeak")]
    [InlineData("qwen3-base.1.7b")]
    [InlineData("")]
    [InlineData("Qwen")]
    [InlineData("a_b")]
    [InlineData("a b")]
    [InlineData("a234567890123456789012345678901234567890")]
    [InlineData("a2345678901234567890123456789012345678901")]
    public void TheAppHostAndTheWorkersAgreeOnPoolNames(string name) =>
        Assert.Equal(PoolRegistry.IsValidName(name), WorkerPools.IsValidName(name));

    private static IConfiguration Configuration(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build();
}
