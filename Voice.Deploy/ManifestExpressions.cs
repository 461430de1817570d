using System.Text.RegularExpressions;

namespace Voice.Deploy;

/// <summary>A manifest expression resolved for the cluster: its text, the secret parameters and the resources it used.</summary>
public sealed record ResolvedValue(string Text, IReadOnlySet<string> SecretParameters, IReadOnlySet<string> Resources)
{
    public bool IsSecret => SecretParameters.Count > 0;
}

/// <summary>
/// Resolves Aspire manifest expressions (<c>{redis.connectionString}</c>, <c>{api.bindings.http.url}</c>,
/// <c>{master-key.value}</c>) to what they are inside the cluster: every resource is a Service named after it,
/// projects listen on <see cref="ProjectPort"/>, containers on their binding's target port. Parameters come from
/// <paramref name="parameterValue"/> (placeholders when generating manifests, real values for a secrets file).
/// </summary>
public sealed partial class ManifestExpressions(AspireManifest manifest, Func<ManifestResource, string> parameterValue)
{
    /// <summary>The port every .NET service listens on in its container (the images' default).</summary>
    public const int ProjectPort = 8080;

    public ResolvedValue Resolve(string expression)
    {
        var secrets = new SortedSet<string>(StringComparer.Ordinal);
        var resources = new SortedSet<string>(StringComparer.Ordinal);
        return new ResolvedValue(Expand(expression, secrets, resources, 0), secrets, resources);
    }

    /// <summary>The port of a resource's binding inside the cluster (its Service's port).</summary>
    public static int ServicePort(ManifestResource resource, ManifestBinding binding) =>
        resource.Type == "project.v0" && binding.Name is "http" or "https"
            ? ProjectPort
            : binding.TargetPort ?? binding.Port ?? throw new InvalidDataException($"Binding '{resource.Name}.{binding.Name}' has no port.");

    private string Expand(string expression, ISet<string> secrets, ISet<string> resources, int depth)
    {
        if (depth > 16)
        {
            throw new InvalidDataException($"Expression nests too deeply (a cycle?): {expression}");
        }
        return Placeholder().Replace(expression, match => Lookup(match.Groups[1].Value, secrets, resources, depth + 1));
    }

    private string Lookup(string path, ISet<string> secrets, ISet<string> resources, int depth)
    {
        string[] parts = path.Split('.');
        var resource = manifest[parts[0]];
        switch (parts.Length > 1 ? parts[1] : "")
        {
            case "value" when resource.Type == "annotated.string":
                string inner = Expand(resource.Value ?? "", secrets, resources, depth);
                return resource.Filter == "uri" ? Uri.EscapeDataString(inner) : inner;
            case "value":
                return Expand(resource.Value ?? "", secrets, resources, depth);
            case "inputs" when resource.Type == "parameter.v0":
                if (resource.Secret)
                {
                    secrets.Add(resource.Name);
                }
                return parameterValue(resource);
            case "connectionString":
                if (resource.Type != "value.v0" && resource.Type != "parameter.v0")
                {
                    resources.Add(resource.Name);
                }
                return Expand(resource.ConnectionString ?? resource.Value ?? "", secrets, resources, depth);
            case "bindings" when parts.Length == 4:
                var binding = resource.Binding(parts[2]);
                resources.Add(resource.Name);
                int port = ServicePort(resource, binding);
                return parts[3] switch
                {
                    "host" => resource.Name,
                    "port" or "targetPort" => port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    "scheme" => binding.Scheme,
                    "url" => $"{binding.Scheme}://{resource.Name}:{port}",
                    _ => throw new InvalidDataException($"Unknown binding property in '{{{path}}}'."),
                };
            default:
                throw new InvalidDataException($"Unknown manifest expression '{{{path}}}'.");
        }
    }

    [GeneratedRegex(@"\{([A-Za-z0-9_.-]+)\}")]
    private static partial Regex Placeholder();
}
