using System.Text.Json.Nodes;
using k8s.Models;
using Voice.Deploy;
using Voice.Tests.Infrastructure;

namespace Voice.Tests.Deploy;

/// <summary>
/// A named endpoint besides <c>http</c> (the API's coming <c>admin</c> listener, on its own port) is generated
/// generically: the container and the Service expose it by name, only namespaces labelled
/// <c>voice.io/operators: "true"</c> may reach it, and no Ingress or HTTPRoute of any overlay routes it or any
/// <c>/admin</c> path. The AppHost does not declare it yet: the committed manifest plus that endpoint stands in.
/// </summary>
public sealed class AdminEndpointTests
{
    private const int AdminPort = 8081;

    [Theory]
    [InlineData("dev")]
    [InlineData("prod")]
    [InlineData("dev-gateway")]
    [InlineData("prod-gateway")]
    public async Task TheAdminEndpointIsExposedToOperatorsOnlyAndNeverRouted(string variant)
    {
        var manifest = WithAdminEndpoint();
        string root = Directory.CreateTempSubdirectory("voice-k8s-admin-").FullName;
        try
        {
            KubernetesOutput.Write(root, KubernetesOutput.Generate(manifest, new PublishOptions()));
            var rendered = await KubernetesManifestTests.RenderAsync(root, variant, manifest);
            var objects = rendered.Objects;
            await KubernetesManifestTests.AssertSchemasValidAsync(rendered);
            KubernetesManifestTests.AssertOnlyPublicPortsAreRouted(objects);

            var container = objects.OfType<V1Deployment>().Single(d => d.Metadata.Name == "api").Spec.Template.Spec.Containers.Single();
            Assert.Contains(container.Ports, p => p.Name == "admin" && p.ContainerPort == AdminPort);
            var service = objects.OfType<V1Service>().Single(s => s.Metadata.Name == "api");
            Assert.Contains(service.Spec.Ports, p => p.Name == "admin" && p.Port == AdminPort && p.TargetPort.Value == "admin");
            // Other services have no admin endpoint.
            Assert.All(objects.OfType<V1Service>().Where(s => s.Metadata.Name != "api"), s => Assert.DoesNotContain(s.Spec.Ports, p => p.Name == "admin"));

            // Policies add up: across every policy that selects the API, the admin port opens to the operators' namespaces only.
            string admin = AdminPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var rules = objects.OfType<V1NetworkPolicy>().Where(p => (p.Spec.PodSelector.MatchLabels?.TryGetValue(BaseLayer.NameLabel, out var name) == true && name == "api")
                    || p.Spec.PodSelector.MatchExpressions?.Any(e => e.Values.Contains("api")) == true)
                .SelectMany(p => p.Spec.Ingress ?? []).ToList();
            Assert.All(rules, r => Assert.NotNull(r.Ports)); // no rule opens every port
            var adminRules = rules.Where(r => r.Ports.Any(p => p.Port.Value == admin)).ToList();
            var peer = Assert.Single(Assert.Single(adminRules).FromProperty);
            Assert.Equal("true", peer.NamespaceSelector.MatchLabels[BaseLayer.OperatorsLabel]);
            Assert.Null(peer.PodSelector);
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void AnExtraEndpointWithoutATargetPortIsRefusedByName()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "aspire-manifest.json")))!;
        json["resources"]!["api"]!["bindings"]!["admin"] = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http" };
        var error = Assert.Throws<InvalidDataException>(() => DeploymentPlan.From(AspireManifest.Parse(json.ToJsonString())));
        Assert.Contains("'api.admin'", error.Message, StringComparison.Ordinal);
    }

    /// <summary>The committed manifest with the API's admin listener, as the AppHost will declare it (a second HTTP endpoint whose port Kestrel reads from ADMIN_PORT).</summary>
    private static AspireManifest WithAdminEndpoint()
    {
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Root, "deploy", "aspire-manifest.json")))!;
        var api = json["resources"]!["api"]!;
        api["bindings"]!["admin"] = new JsonObject { ["scheme"] = "http", ["protocol"] = "tcp", ["transport"] = "http", ["targetPort"] = AdminPort };
        api["env"]!["ADMIN_PORT"] = "{api.bindings.admin.targetPort}";
        return AspireManifest.Parse(json.ToJsonString());
    }
}
