using System.Diagnostics;
using System.Text;
using k8s;
using k8s.Models;
using Voice.Deploy;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Deploy;

/// <summary>
/// The deployment generated from the AppHost: the committed Aspire manifest and Kubernetes files are what the
/// generator writes today; both overlays render with kustomize, pass strict deserialisation
/// (KubernetesClient, misspelled fields) and schema validation (kubernetes-models, KEDA, Prometheus Operator, Gateway
/// API), in their Ingress and Gateway API variants, and obey the policies
/// a cluster operator relies on.
/// </summary>
public sealed class KubernetesManifestTests
{
    private static readonly string DeployRoot = Path.Combine(RepositoryPaths.Root, "deploy");
    private static readonly string ManifestPath = Path.Combine(DeployRoot, "aspire-manifest.json");

    /// <summary>The worker pools deploy/publish.sh publishes by default (its <c>pools=</c> line, in VOICE_POOLS syntax).</summary>
    private static readonly string PublishedPools = System.Text.RegularExpressions.Regex.Match(
        File.ReadAllText(Path.Combine(DeployRoot, "publish.sh")), "^pools=(\\S+)$", System.Text.RegularExpressions.RegexOptions.Multiline).Groups[1].Value;

    /// <summary>What those pools become: by resource, the pool's name, engine and model directory.</summary>
    private static readonly Dictionary<string, (string Pool, string Engine, string? ModelDirectory)> PublishedPoolSettings = new()
    {
        ["worker"] = ("espeak", "espeak", null),
        ["worker-qwen3-base"] = ("qwen3-base", "qwen3-onnx", "/models/qwen3-base"),
        ["worker-qwen3-design"] = ("qwen3-design", "qwen3-onnx", "/models/qwen3-design"),
    };

    private static readonly string[] PublishedPoolResources = [.. PublishedPoolSettings.Keys.Order()];

    [Fact]
    public async Task TheCommittedAspireManifestIsWhatTheAppHostPublishes()
    {
        string output = Directory.CreateTempSubdirectory("voice-manifest-").FullName;
        try
        {
            string appHost = Path.Combine(RepositoryPaths.Root, "Voice.AppHost", "bin", "Debug", "net10.0", "Voice.AppHost.dll");
            var start = new ProcessStartInfo("dotnet", [appHost, "--operation", "publish", "--step", "publish-manifest", "--output-path", output])
            {
                WorkingDirectory = Path.GetDirectoryName(appHost)!,
            };
            foreach (string variable in new[] { "VOICE_SPEECH_ENGINE", "VOICE_MODEL_DIR", "VOICE_SECOND_API", "VOICE_LOCAL_INFRA" })
            {
                start.Environment.Remove(variable);
            }
            Assert.NotEmpty(PublishedPools);
            start.Environment["VOICE_POOLS"] = PublishedPools;
            var run = await Processes.RunAsync(start, TimeSpan.FromMinutes(2));
            Assert.True(run.Code == 0, run.All);
            // Project paths are relative to the output folder; compare the projects they name.
            Assert.Equal(NormalisedPaths(await File.ReadAllTextAsync(ManifestPath)), NormalisedPaths(await File.ReadAllTextAsync(Path.Combine(output, "aspire-manifest.json"))));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }

    [Fact]
    public void TheCommittedKubernetesFilesAreWhatTheGeneratorWrites()
    {
        var files = KubernetesOutput.Generate(AspireManifest.Load(ManifestPath), new PublishOptions());
        string root = Path.Combine(DeployRoot, "k8s");
        foreach (var (relative, text) in files)
        {
            string path = Path.Combine(root, relative);
            Assert.True(File.Exists(path), $"{relative} is generated but not committed: run deploy/publish.sh");
            Assert.True(text == File.ReadAllText(path), $"{relative} differs from what the generator writes: run deploy/publish.sh");
        }
        foreach (string folder in KubernetesOutput.GeneratedFolders)
        {
            foreach (string existing in Directory.GetFiles(Path.Combine(root, folder)))
            {
                string relative = Path.GetRelativePath(root, existing).Replace('\\', '/');
                Assert.True(files.ContainsKey(relative) || Path.GetFileName(existing) == Overlays.SecretsFile, $"{relative} is no longer generated");
            }
        }
        // Generating twice gives the same bytes.
        Assert.Equal(files, KubernetesOutput.Generate(AspireManifest.Load(ManifestPath), new PublishOptions()));
    }

    [Fact]
    public async Task NoSecretValueIsCommitted()
    {
        var tracked = await Processes.RunAsync(new ProcessStartInfo("git", ["ls-files", "deploy"]) { WorkingDirectory = RepositoryPaths.Root }, TimeSpan.FromMinutes(1));
        Assert.Equal(0, tracked.Code);
        Assert.DoesNotContain(tracked.Output.Split('\n'), f => Path.GetFileName(f.Trim()) == Overlays.SecretsFile);
        foreach (string kustomization in Directory.GetFiles(Path.Combine(DeployRoot, "k8s"), "kustomization.yaml", SearchOption.AllDirectories))
        {
            Assert.DoesNotContain("literals", await File.ReadAllTextAsync(kustomization), StringComparison.Ordinal);
        }
        string example = await File.ReadAllTextAsync(Path.Combine(DeployRoot, "k8s", "overlays", "prod", Overlays.SecretsFile + ".example"));
        Assert.All(example.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')), line => Assert.EndsWith("=", line, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("dev-gateway")]
    [InlineData("prod-gateway")]
    public async Task TheOverlayRendersValidatesAndFollowsThePolicies(string variant)
    {
        var manifest = AspireManifest.Load(ManifestPath);
        var rendered = await RenderAsync(Path.Combine(DeployRoot, "k8s"), variant, manifest);
        var objects = rendered.Objects;
        var plan = DeploymentPlan.From(manifest);
        // The -gateway variants are their overlay behind HTTPRoutes instead of the Ingress.
        bool gateway = variant.EndsWith("-gateway", StringComparison.Ordinal);
        string overlay = gateway ? variant[..^"-gateway".Length] : variant;

        await AssertSchemasValidAsync(rendered);
        AssertOnlyPublicPortsAreRouted(objects);

        var deployments = objects.OfType<V1Deployment>().ToList();
        var statefulSets = objects.OfType<V1StatefulSet>().ToList();
        Assert.Equal(plan.Services.Select(s => s.Name).Order(), deployments.Select(d => d.Metadata.Name).Order());
        Assert.All(objects.OfType<IKubernetesObject<V1ObjectMeta>>(), o => Assert.Equal(BaseLayer.Namespace, o.Metadata.NamespaceProperty));

        // Every container: resources, probes, non-root, no privilege escalation, read-only root filesystem.
        foreach (var (name, pod) in deployments.Select(d => (d.Metadata.Name, d.Spec.Template.Spec)).Concat(statefulSets.Select(s => (s.Metadata.Name, s.Spec.Template.Spec))))
        {
            Assert.False(pod.AutomountServiceAccountToken ?? true, $"{name} mounts a service-account token");
            Assert.True(pod.SecurityContext?.RunAsNonRoot, $"{name} may run as root");
            Assert.NotEqual(0, pod.SecurityContext?.RunAsUser ?? 0);
            foreach (var container in pod.Containers)
            {
                Assert.NotNull(container.ReadinessProbe);
                Assert.NotNull(container.LivenessProbe);
                foreach (string resource in new[] { "cpu", "memory" })
                {
                    Assert.True(container.Resources?.Requests?.ContainsKey(resource) == true, $"{name} requests no {resource}");
                    Assert.True(container.Resources?.Limits?.ContainsKey(resource) == true, $"{name} has no {resource} limit");
                }
                Assert.False(container.SecurityContext?.AllowPrivilegeEscalation ?? true, $"{name} may escalate privileges");
                Assert.True(container.SecurityContext?.ReadOnlyRootFilesystem, $"{name} has a writable root filesystem");
                Assert.Contains("ALL", container.SecurityContext?.Capabilities?.Drop ?? []);
                string tag = container.Image.Contains(':', StringComparison.Ordinal) ? container.Image[(container.Image.LastIndexOf(':') + 1)..] : "";
                Assert.False(tag is "" or "latest", $"{name} runs {container.Image} without a pinned tag");
            }
        }
        Assert.All(objects.OfType<V1ServiceAccount>(), a => Assert.False(a.AutomountServiceAccountToken ?? true));

        // The one Secret holds exactly the keys the services (and in dev the infrastructure) read, with the file's values.
        var secret = Assert.Single(objects.OfType<V1Secret>());
        Assert.StartsWith(DeploymentPlan.SecretName + "-", secret.Metadata.Name, StringComparison.Ordinal);
        var expectedKeys = overlay == "dev" ? plan.ServiceSecretKeys.Concat(plan.InfrastructureSecretKeys) : plan.ServiceSecretKeys;
        Assert.Equal(expectedKeys.Order(StringComparer.Ordinal), secret.Data.Keys.Order(StringComparer.Ordinal));
        Assert.All(secret.Data, d => Assert.Equal(rendered.Secrets[d.Key], Encoding.UTF8.GetString(d.Value)));
        // Every reference resolves: secret keys, config maps, service accounts, the autoscalers' targets.
        var configMaps = objects.OfType<V1ConfigMap>().Select(c => c.Metadata.Name).ToHashSet();
        foreach (var pod in deployments.Select(d => d.Spec.Template.Spec).Concat(statefulSets.Select(s => s.Spec.Template.Spec)))
        {
            foreach (var env in pod.Containers.SelectMany(c => c.Env ?? []).Where(e => e.ValueFrom?.SecretKeyRef is not null))
            {
                Assert.Equal(secret.Metadata.Name, env.ValueFrom.SecretKeyRef.Name);
                Assert.Contains(env.ValueFrom.SecretKeyRef.Key, secret.Data.Keys);
            }
            Assert.All(pod.Containers.SelectMany(c => c.EnvFrom ?? []), e => Assert.Contains(e.ConfigMapRef.Name, configMaps));
        }
        Assert.All(deployments, d => Assert.Contains(objects.OfType<V1ServiceAccount>(), a => a.Metadata.Name == d.Spec.Template.Spec.ServiceAccountName));
        // One scaled Deployment per worker pool, each scaled on its own pool's backlog, which the API serves on its metrics port.
        var pools = plan.Services.Where(s => s.Profile.Scaling == Scaling.QueueBacklog).Select(s => s.Name).ToList();
        Assert.Equal(PublishedPoolResources, pools.Order());
        var scaledObjects = objects.OfType<ScaledObject>().ToList();
        Assert.Equal(pools.Order(), scaledObjects.Select(s => s.Metadata.Name).Order());
        foreach (var scaled in scaledObjects)
        {
            string pool = scaled.Metadata.Name;
            Assert.Equal(pool, scaled.Spec.ScaleTargetRef.Name);
            var trigger = Assert.Single(scaled.Spec.Triggers ?? []);
            Assert.Equal("metrics-api", trigger.Type);
            Assert.Equal("backlog", trigger.Metadata["valueLocation"]);
            Assert.Equal($"http://api.{BaseLayer.Namespace}.svc.cluster.local:{DeploymentPlan.MetricsPort}/queue/stats/{PublishedPoolSettings[pool].Pool}", trigger.Metadata["url"]);
            Assert.Equal("0", trigger.Metadata["activationTargetValue"]); // one entry wakes a pool at zero
            // That Service exposes the API's metrics port, and selects the API's pods.
            var api = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "api");
            Assert.Contains(api.Spec.Ports, p => p.Port == DeploymentPlan.MetricsPort && p.TargetPort.Value == "metrics");
            Assert.All(deployments, d => Assert.Equal(d.Metadata.Name == "api", api.Spec.Selector.All(l => d.Spec.Template.Metadata.Labels.TryGetValue(l.Key, out var v) && v == l.Value)));
        }
        Assert.All(objects.OfType<V2HorizontalPodAutoscaler>(), h => Assert.Contains(deployments, d => d.Metadata.Name == h.Spec.ScaleTargetRef.Name));
        Assert.All(deployments, d => Assert.Contains(objects.OfType<V1PodDisruptionBudget>(), p => p.Metadata.Name == d.Metadata.Name));

        // Network: everything denied by default; only the API and the worker reach Redis and Postgres.
        var policies = objects.OfType<V1NetworkPolicy>().ToList();
        Assert.Contains(policies, p => p.Spec.PodSelector.MatchLabels is null && p.Spec.PolicyTypes.SequenceEqual(["Ingress", "Egress"]));
        var web = policies.Single(p => p.Metadata.Name == "web");
        Assert.DoesNotContain(web.Spec.Egress.SelectMany(e => e.To ?? []), to => to.PodSelector?.MatchLabels?[BaseLayer.NameLabel] is "redis" or "postgres");
        Assert.DoesNotContain(web.Spec.Egress.SelectMany(e => e.To ?? []), to => to.IpBlock is not null);
        foreach (string store in new[] { "redis", "postgres" })
        {
            if (overlay == "dev")
            {
                var allowed = policies.Single(p => p.Metadata.Name == store).Spec.Ingress.SelectMany(i => i.FromProperty).Select(f => f.PodSelector.MatchLabels[BaseLayer.NameLabel]);
                Assert.Equal(["api", .. PublishedPoolResources], allowed.Order());
            }
            Assert.Contains(policies.Single(p => p.Metadata.Name == "api").Spec.Egress, e => e.To?.Any(t => t.PodSelector?.MatchLabels?[BaseLayer.NameLabel] == store) == true);
        }

        // No rule opens the web ports to every address: the internet rules exclude private ranges (policies add up).
        foreach (var rule in policies.SelectMany(p => p.Spec.Egress ?? []))
        {
            bool everywhere = rule.To?.Any(t => t.IpBlock is { Cidr: "0.0.0.0/0", Except: null or { Count: 0 } }) == true;
            Assert.False(everywhere && rule.Ports.Any(p => p.Port.Value is "80" or "443"), "a policy opens 80/443 to private addresses");
        }

        // Metrics: on their own port, scraped by the monitoring namespace only (and on the API read by KEDA), behind no
        // Service but the API's (for KEDA), and never routed (above).
        foreach (var deployment in deployments)
        {
            bool api = deployment.Metadata.Name == "api";
            Assert.Contains(deployment.Spec.Template.Spec.Containers[0].Ports, p => p.Name == "metrics" && p.ContainerPort == DeploymentPlan.MetricsPort);
            var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == deployment.Metadata.Name);
            Assert.Equal(api, service.Spec.Ports.Any(p => p.Port == DeploymentPlan.MetricsPort));
            var metricsRules = policies.Single(p => p.Metadata.Name == deployment.Metadata.Name).Spec.Ingress
                .Where(i => i.Ports.Any(p => p.Port.Value == DeploymentPlan.MetricsPort.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            string[] readers = api ? [BaseLayer.MonitoringNamespace, BaseLayer.KedaNamespace] : [BaseLayer.MonitoringNamespace];
            Assert.Equal(readers, metricsRules.SelectMany(r => r.FromProperty).Select(f => f.NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]));
            Assert.All(metricsRules.SelectMany(r => r.FromProperty), f => Assert.Null(f.PodSelector));
            var monitor = objects.OfType<PodMonitor>().Single(m => m.Metadata.Name == deployment.Metadata.Name);
            var endpoint = Assert.Single(monitor.Spec.PodMetricsEndpoints ?? []);
            Assert.Equal("metrics", endpoint.Port);
            Assert.Contains(endpoint.Relabelings ?? [], r => r.TargetLabel == "job" && r.Replacement == $"voice-{deployment.Metadata.Name}");
        }

        foreach (var (pool, (poolName, engine, modelDirectory)) in PublishedPoolSettings)
        {
            var deployment = deployments.Single(d => d.Metadata.Name == pool);
            var pod = deployment.Spec.Template.Spec;
            var container = Assert.Single(pod.Containers);
            var scaled = scaledObjects.Single(s => s.Metadata.Name == pool);
            bool gpu = engine == "qwen3-onnx";
            Assert.Matches("(^|/)voice-worker:", container.Image); // every pool runs the worker's image
            Assert.Equal("1", deployment.Spec.Strategy.RollingUpdate.MaxSurge.Value);
            Assert.Equal("0", deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value);
            // The pool's own engine and model reach its pods; the overlays override neither.
            var settings = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name == Assert.Single(container.EnvFrom).ConfigMapRef.Name).Data;
            Assert.Equal(engine, settings["Speech__Engine"]);
            Assert.Equal(poolName, settings["Worker__Pool"]);
            settings.TryGetValue("Speech__ModelDirectory", out var directory);
            Assert.Equal(modelDirectory, directory);
            if (overlay == "prod" && gpu)
            {
                // A GPU each, 8Gi/6Gi and 4/2 CPUs, on GPU nodes, its model on the volume; one replica to start (it announces
                // the pool), none while idle.
                Assert.Equal(new ResourceQuantity("1"), container.Resources.Limits["nvidia.com/gpu"]);
                Assert.Equal(new ResourceQuantity("8Gi"), container.Resources.Limits["memory"]);
                Assert.Equal(new ResourceQuantity("6Gi"), container.Resources.Requests["memory"]);
                Assert.Equal(new ResourceQuantity("4"), container.Resources.Limits["cpu"]);
                Assert.Equal(new ResourceQuantity("2"), container.Resources.Requests["cpu"]);
                Assert.Equal(1, deployment.Spec.Replicas);
                Assert.Equal(0, scaled.Spec.MinReplicaCount);
                Assert.Equal(900, scaled.Spec.CooldownPeriod);
                Assert.Equal("true", pod.NodeSelector["nvidia.com/gpu.present"]);
                Assert.Contains(pod.Tolerations, t => t.Key == "nvidia.com/gpu");
                var volume = Assert.Single(pod.Volumes, v => v.PersistentVolumeClaim?.ClaimName == Overlays.ModelsClaim);
                var mount = Assert.Single(container.VolumeMounts, m => m.Name == volume.Name);
                Assert.True(mount.ReadOnlyProperty);
                Assert.StartsWith(mount.MountPath + "/", modelDirectory, StringComparison.Ordinal);
            }
            else
            {
                Assert.False(container.Resources.Limits.ContainsKey("nvidia.com/gpu"), $"{pool} asks for a GPU");
                Assert.Null(pod.NodeSelector);
            }
            if (overlay == "dev")
            {
                // No GPU in a development cluster: GPU pools are held at none, the others run one replica.
                Assert.Equal(gpu ? 0 : 1, deployment.Spec.Replicas);
                string? paused = null;
                scaled.Metadata.Annotations?.TryGetValue(Overlays.PausedReplicas, out paused);
                Assert.Equal(gpu ? "0" : null, paused);
            }
        }
        if (overlay == "prod")
        {
            Assert.Equal(["ReadWriteMany"], objects.OfType<V1PersistentVolumeClaim>().Single(c => c.Metadata.Name == Overlays.ModelsClaim).Spec.AccessModes);
            Assert.All(deployments.SelectMany(d => d.Spec.Template.Spec.Containers), c => Assert.StartsWith(new PublishOptions().Registry + "/", c.Image, StringComparison.Ordinal));
            Assert.Empty(statefulSets); // managed Redis, Postgres and blob storage
            Assert.True(gateway || Assert.Single(objects.OfType<V1Ingress>()).Spec.Tls is not null);
        }
        else
        {
            Assert.True(gateway || Assert.Single(objects.OfType<V1Ingress>()).Spec.Tls is null); // plain HTTP on *.voice.localhost
            // The data services keep their data on claims (the root filesystem is read-only).
            Assert.All(statefulSets.Where(s => s.Metadata.Name is "redis" or "postgres"), s => Assert.NotEmpty(s.Spec.VolumeClaimTemplates));
            Assert.Equal(plan.Infrastructure.Select(i => i.Name).Order(), statefulSets.Select(s => s.Metadata.Name).Order());
        }
        // The portal's snippets and the API's mail links use the public hosts, not in-cluster addresses.
        var webSettings = objects.OfType<V1ConfigMap>().Single(c => c.Metadata.Name.StartsWith("web-env-", StringComparison.Ordinal)).Data;
        string scheme = overlay == "prod" ? "https" : "http";
        string domain = overlay == "prod" ? new PublishOptions().Domain : "voice.localhost";
        Assert.Equal($"{scheme}://api.{domain}", webSettings["Portal__PublicApiUrl"]);
        Assert.Equal("http://api:8080", webSettings["services__api__http__0"]);
        if (gateway)
        {
            // The Gateway replaces the Ingress: a route per public host, attached to the configured Gateway, whose
            // namespace the network policy admits to the public services' http port.
            Assert.Empty(objects.OfType<V1Ingress>());
            var routes = objects.OfType<HttpRoute>().ToList();
            Assert.Equal([$"api.{domain}", domain], routes.SelectMany(r => r.Spec.Hostnames ?? []).Order(StringComparer.Ordinal));
            Assert.All(routes.SelectMany(r => r.Spec.ParentRefs ?? []), p => Assert.Equal(("voice-gateway", "gateway"), (p.Name, p.Namespace)));
            var admitted = policies.Single(p => p.Metadata.Name == "gateway").Spec.Ingress.Single();
            Assert.Equal("gateway", Assert.Single(admitted.FromProperty).NamespaceSelector.MatchLabels["kubernetes.io/metadata.name"]);
        }
        else
        {
            Assert.Empty(objects.OfType<HttpRoute>());
        }
    }

    /// <summary>Schema validation by a second implementation (kubernetes-models, KEDA's, Prometheus Operator's and Gateway API's models, in node).</summary>
    internal static async Task AssertSchemasValidAsync(Rendered rendered)
    {
        var validation = await Processes.RunAsync("node", [Path.Combine(DeployRoot, "validate", "validate.mjs"), rendered.File], TimeSpan.FromMinutes(2));
        Assert.True(validation.Code == 0, validation.All);
        Assert.Contains($"{rendered.Objects.Count} objects, 0 errors", validation.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Ingresses and HTTPRoutes route only the public services' <c>http</c> port (8080): never an internal endpoint
    /// (the API's admin listener), never the metrics port, never a path under <c>/admin</c>.
    /// </summary>
    internal static void AssertOnlyPublicPortsAreRouted(IReadOnlyList<object> objects)
    {
        foreach (var ingress in objects.OfType<V1Ingress>())
        {
            foreach (var path in ingress.Spec.Rules.SelectMany(r => r.Http.Paths))
            {
                Assert.Equal("http", path.Backend.Service.Port.Name);
                Assert.Null(path.Backend.Service.Port.Number);
                Assert.False(path.Path.StartsWith("/admin", StringComparison.OrdinalIgnoreCase), $"the Ingress routes {path.Path}");
            }
        }
        foreach (var rule in objects.OfType<HttpRoute>().SelectMany(r => r.Spec.Rules ?? []))
        {
            Assert.All(rule.BackendRefs ?? [], b => Assert.Equal(ManifestExpressions.ProjectPort, b.Port));
            Assert.All(rule.Matches ?? [], m => Assert.False(m.Path?.Value?.StartsWith("/admin", StringComparison.OrdinalIgnoreCase) ?? false, $"a route matches {m.Path?.Value}"));
        }
    }

    [Fact]
    public void StrictValidationCatchesAMisspelledField()
    {
        const string misspelled = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  replica: 2\n";
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(misspelled, TypeMap, strict: true));
        const string keda = "apiVersion: keda.sh/v1alpha1\nkind: ScaledObject\nmetadata:\n  name: worker\nspec:\n  scaleTargetRef:\n    name: worker\n  minReplicas: 1\n";
        Assert.ThrowsAny<Exception>(() => KubernetesYaml.LoadAllFromString(keda, TypeMap, strict: true));
    }

    [Fact]
    public void AManifestTheGeneratorCannotMapIsRefusedByName()
    {
        string unknownProject = """{"resources":{"billing":{"type":"project.v0","path":"x.csproj","env":{},"bindings":{}}}}""";
        var error = Assert.Throws<InvalidDataException>(() => DeploymentPlan.From(AspireManifest.Parse(unknownProject)));
        Assert.Contains("billing", error.Message, StringComparison.Ordinal);

        string unknownReference = """{"resources":{"api":{"type":"project.v0","path":"x.csproj","env":{"X":"{nowhere.connectionString}"},"bindings":{}}}}""";
        error = Assert.Throws<InvalidDataException>(() => DeploymentPlan.From(AspireManifest.Parse(unknownReference)));
        Assert.Contains("nowhere", error.Message, StringComparison.Ordinal);

        string badProperty = """{"resources":{"api":{"type":"project.v0","path":"x.csproj","env":{"X":"{api.bindings.http.colour}"},"bindings":{"http":{"scheme":"http","transport":"http"}}}}}""";
        error = Assert.Throws<InvalidDataException>(() => DeploymentPlan.From(AspireManifest.Parse(badProperty)));
        Assert.Contains("api.bindings.http.colour", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DevelopmentSecretsComposeConnectionStringsFromOneSetOfGeneratedPasswords()
    {
        var manifest = AspireManifest.Load(ManifestPath);
        var first = ParseEnv(KubernetesOutput.DevelopmentSecrets(manifest));
        var second = ParseEnv(KubernetesOutput.DevelopmentSecrets(manifest));
        string redisPassword = first["REDIS_PASSWORD"];
        Assert.True(redisPassword.Length >= 32);
        Assert.Equal($"redis:6379,password={redisPassword}", first["ConnectionStrings__redis"]);
        Assert.Contains($"Password={first["POSTGRES_PASSWORD"]}", first["ConnectionStrings__voicedb"], StringComparison.Ordinal);
        Assert.Contains("Host=postgres;Port=5432", first["ConnectionStrings__voicedb_app"], StringComparison.Ordinal);
        Assert.Contains("Username=voice_app", first["ConnectionStrings__voicedb_app"], StringComparison.Ordinal);
        Assert.Contains("BlobEndpoint=http://blobs:10000/devstoreaccount1", first["ConnectionStrings__blobs"], StringComparison.Ordinal);
        Assert.NotEqual(first["Voice__MasterKey"], second["Voice__MasterKey"]); // generated, not fixed
        Assert.NotEqual(first["Voice__MasterKey"], first["Portal__DataProtectionKey"]);
    }

    private static readonly Dictionary<string, Type> TypeMap = new()
    {
        ["v1/ServiceAccount"] = typeof(V1ServiceAccount),
        ["v1/Service"] = typeof(V1Service),
        ["v1/ConfigMap"] = typeof(V1ConfigMap),
        ["v1/Secret"] = typeof(V1Secret),
        ["v1/PersistentVolumeClaim"] = typeof(V1PersistentVolumeClaim),
        ["apps/v1/Deployment"] = typeof(V1Deployment),
        ["apps/v1/StatefulSet"] = typeof(V1StatefulSet),
        ["policy/v1/PodDisruptionBudget"] = typeof(V1PodDisruptionBudget),
        ["autoscaling/v2/HorizontalPodAutoscaler"] = typeof(V2HorizontalPodAutoscaler),
        ["networking.k8s.io/v1/NetworkPolicy"] = typeof(V1NetworkPolicy),
        ["networking.k8s.io/v1/Ingress"] = typeof(V1Ingress),
        ["keda.sh/v1alpha1/ScaledObject"] = typeof(ScaledObject),
        ["monitoring.coreos.com/v1/PodMonitor"] = typeof(PodMonitor),
        ["monitoring.coreos.com/v1/PrometheusRule"] = typeof(PrometheusRule),
        ["gateway.networking.k8s.io/v1/HTTPRoute"] = typeof(HttpRoute),
    };

    internal sealed record Rendered(string File, IReadOnlyList<object> Objects, IReadOnlyDictionary<string, string> Secrets);

    /// <summary>
    /// Renders an overlay from a copy of deploy/k8s with a secrets.env written the way an operator would
    /// (dev: the generator's development secrets; prod: the example's keys with test values).
    /// </summary>
    internal static async Task<Rendered> RenderAsync(string k8sRoot, string variant, AspireManifest manifest)
    {
        string copy = Directory.CreateTempSubdirectory("voice-k8s-").FullName;
        CopyDirectory(k8sRoot, copy);
        // The hand-kept monitoring folder, when rendering a tree generated elsewhere.
        if (!Directory.Exists(Path.Combine(copy, "monitoring")))
        {
            Directory.CreateDirectory(Path.Combine(copy, "monitoring"));
            CopyDirectory(Path.Combine(DeployRoot, "k8s", "monitoring"), Path.Combine(copy, "monitoring"));
        }
        string overlay = variant.Replace("-gateway", "", StringComparison.Ordinal);
        string secretsText = overlay == "dev"
            ? KubernetesOutput.DevelopmentSecrets(manifest)
            : string.Concat((await File.ReadAllLinesAsync(Path.Combine(copy, "overlays", "prod", Overlays.SecretsFile + ".example")))
                .Where(l => l.EndsWith('=')).Select(l => $"{l}test-{l.TrimEnd('=').ToLowerInvariant()}\n"));
        await File.WriteAllTextAsync(Path.Combine(copy, "overlays", overlay, Overlays.SecretsFile), secretsText);
        var render = await Kustomize.BuildAsync(Path.Combine(copy, "overlays", variant));
        Assert.True(render.Code == 0, render.All);
        string yaml = render.Output;
        string file = Path.Combine(copy, "rendered.yaml");
        await File.WriteAllTextAsync(file, yaml);
        // Strict: a field the Kubernetes (or KEDA) types do not have fails here.
        var objects = KubernetesYaml.LoadAllFromString(yaml, TypeMap, strict: true);
        return new Rendered(file, objects, ParseEnv(secretsText));
    }

    private static Dictionary<string, string> ParseEnv(string text) =>
        text.Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p[1]);

    private static string NormalisedPaths(string manifest) =>
        System.Text.RegularExpressions.Regex.Replace(manifest, "\"path\": \"[^\"]*/([^/\"]+\\.csproj)\"", "\"path\": \"$1\"");

    private static void CopyDirectory(string from, string to)
    {
        foreach (string directory in Directory.GetDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(directory.Replace(from, to, StringComparison.Ordinal));
        }
        foreach (string file in Directory.GetFiles(from, "*", SearchOption.AllDirectories))
        {
            if (Path.GetFileName(file) != Overlays.SecretsFile)
            {
                File.Copy(file, file.Replace(from, to, StringComparison.Ordinal));
            }
        }
    }
}
