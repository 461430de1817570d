using System.Text.Json;

namespace Voice.Deploy;

/// <summary>
/// The parts of an Aspire manifest (<c>aspire-manifest.json</c>, written by the AppHost's publish-manifest step)
/// that a Kubernetes deployment needs: projects, containers, parameters, connection strings and their bindings.
/// </summary>
public sealed record AspireManifest(IReadOnlyDictionary<string, ManifestResource> Resources)
{
    public static AspireManifest Load(string path) => Parse(File.ReadAllText(path));

    public static AspireManifest Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var resources = new Dictionary<string, ManifestResource>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.GetProperty("resources").EnumerateObject())
        {
            resources[property.Name] = ManifestResource.Read(property.Name, property.Value);
        }
        return new AspireManifest(resources);
    }

    public ManifestResource this[string name] =>
        Resources.TryGetValue(name, out var resource) ? resource : throw new InvalidDataException($"The manifest has no resource '{name}'.");

    /// <summary>Projects, in manifest order: the services built into images.</summary>
    public IEnumerable<ManifestResource> Projects => Resources.Values.Where(r => r.Type == "project.v0");

    /// <summary>Containers, in manifest order: infrastructure (in-cluster for development, managed services in production).</summary>
    public IEnumerable<ManifestResource> Containers => Resources.Values.Where(r => r.Type == "container.v0");
}

public sealed record ManifestBinding(string Name, string Scheme, string Transport, int? Port, int? TargetPort, bool External);

public sealed record ManifestVolume(string Name, string Target, bool ReadOnly);

/// <summary>A parameter's generated default (Aspire's <c>generate</c> input): length and character classes.</summary>
public sealed record GeneratedValue(int MinLength, bool Special);

public sealed record ManifestResource(
    string Name,
    string Type,
    string? Path,
    string? Image,
    string? Entrypoint,
    IReadOnlyList<string> Args,
    IReadOnlyList<KeyValuePair<string, string>> Env,
    IReadOnlyList<ManifestBinding> Bindings,
    IReadOnlyList<ManifestVolume> Volumes,
    string? ConnectionString,
    string? Value,
    bool Secret,
    GeneratedValue? Generate,
    string? Filter)
{
    public ManifestBinding Binding(string name) =>
        Bindings.FirstOrDefault(b => b.Name == name) ?? throw new InvalidDataException($"Resource '{Name}' has no binding '{name}'.");

    internal static ManifestResource Read(string name, JsonElement element)
    {
        string type = element.GetProperty("type").GetString() ?? throw new InvalidDataException($"Resource '{name}' has no type.");
        var env = new List<KeyValuePair<string, string>>();
        if (element.TryGetProperty("env", out var envElement))
        {
            env.AddRange(envElement.EnumerateObject().Select(p => KeyValuePair.Create(p.Name, p.Value.GetString() ?? "")));
        }
        var bindings = new List<ManifestBinding>();
        if (element.TryGetProperty("bindings", out var bindingsElement))
        {
            bindings.AddRange(bindingsElement.EnumerateObject().Select(p => new ManifestBinding(
                p.Name,
                String(p.Value, "scheme") ?? "tcp",
                String(p.Value, "transport") ?? "tcp",
                Int(p.Value, "port"),
                Int(p.Value, "targetPort"),
                p.Value.TryGetProperty("external", out var external) && external.GetBoolean())));
        }
        var volumes = new List<ManifestVolume>();
        if (element.TryGetProperty("volumes", out var volumesElement))
        {
            volumes.AddRange(volumesElement.EnumerateArray().Select(v => new ManifestVolume(
                String(v, "name") ?? "", String(v, "target") ?? "", v.TryGetProperty("readOnly", out var ro) && ro.GetBoolean())));
        }
        var args = element.TryGetProperty("args", out var argsElement)
            ? argsElement.EnumerateArray().Select(a => a.GetString() ?? "").ToList()
            : [];
        bool secret = false;
        GeneratedValue? generate = null;
        if (element.TryGetProperty("inputs", out var inputs) && inputs.TryGetProperty("value", out var input))
        {
            secret = input.TryGetProperty("secret", out var s) && s.GetBoolean();
            if (input.TryGetProperty("default", out var defaults) && defaults.TryGetProperty("generate", out var g))
            {
                generate = new GeneratedValue(Int(g, "minLength") ?? 22, !g.TryGetProperty("special", out var special) || special.GetBoolean());
            }
        }
        return new ManifestResource(name, type, String(element, "path"), String(element, "image"), String(element, "entrypoint"), args, env, bindings, volumes,
            String(element, "connectionString"), String(element, "value"), secret, generate, String(element, "filter"));
    }

    private static string? String(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static int? Int(JsonElement element, string property) =>
        element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
}
